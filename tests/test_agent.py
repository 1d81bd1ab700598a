"""The agent of 06d: validation before any call, budgets, the guardrail on tool output, traces.

The loop runs against the real MCP server (a subprocess over stdio) in front of the real
prediction API under uvicorn; only the model is scripted, because the course's local model
cannot call tools reliably (06d measures that) and a test needs the same turns every time.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import mlflow
import pytest
from mlproject.schemas import EXAMPLE_RECORD

from mlops_course import agent, serving


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict]:
    server = agent.build_server("http://127.0.0.1:9")  # listing tools calls nothing
    return {tool.name: tool.input_schema for tool in asyncio.run(server.list_tools())}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("agent-api")
    log = folder / "requests.jsonl"
    with serving.serve(serving.lab_bundle(folder / "bundle"), request_log=log) as server:
        yield server, log


@pytest.fixture
def traces(tmp_path: Path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("agent-tests")
    yield
    mlflow.set_tracking_uri(None)


def run(api_url: str, model: agent.ToolModel, budget: agent.Budget | None = None):
    async def go():
        async with agent.connect(api_url) as tools:
            result = await agent.run_agent("a task", model, tools, budget or agent.Budget())
            return result, tools.calls
    return asyncio.run(go())


def logged_rows(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


# --- validation: pure, no server ---------------------------------------------------------------


def test_the_tool_schema_is_the_api_contract(schemas):
    hour = schemas["predict_rentals"]["$defs"]["HourRecord"]
    assert hour["properties"]["hr"]["maximum"] == 23
    assert hour["additionalProperties"] is False
    assert schemas["predict_rentals"]["required"] == ["hour"]


@pytest.mark.parametrize(("arguments", "expected"), [
    ({"hour": {**EXAMPLE_RECORD, "hr": 24}}, "hour.hr"),
    ({"hour": {**EXAMPLE_RECORD, "weekday": "Wednesday"}}, "hour.weekday"),
    ({"hour": {**EXAMPLE_RECORD, "temp": "warm"}}, "hour.temp"),
    ({"hour": {**EXAMPLE_RECORD, "station": "x"}}, "Additional properties"),
    ({"hour": {k: v for k, v in EXAMPLE_RECORD.items() if k != "hum"}}, "'hum' is a required"),
    (EXAMPLE_RECORD, "'hour' is a required"),
    ('{"hour": {hr: 8', "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
])
def test_invalid_calls_are_refused_with_the_field_named(schemas, arguments, expected):
    check = agent.validate_call(schemas, "predict_rentals", arguments)
    assert not check.ok and check.arguments is None
    assert expected in "; ".join(check.problems), check.problems


def test_a_valid_call_passes_whether_given_as_text_or_dict(schemas):
    for arguments in ({"hour": EXAMPLE_RECORD}, json.dumps({"hour": EXAMPLE_RECORD})):
        check = agent.validate_call(schemas, "predict_rentals", arguments)
        assert check.ok and check.arguments == {"hour": EXAMPLE_RECORD}


def test_an_unknown_tool_is_refused(schemas):
    check = agent.validate_call(schemas, "move_van", {})
    assert not check.ok and "unknown tool" in check.problems[0]


def test_turns_are_read_from_openai_messages_as_objects_or_dicts():
    class Function:
        name, arguments = "predict_rentals", '{"hour": {}}'

    class Call:
        id, function = "c1", Function()

    class Message:
        content, tool_calls = None, [Call()]

    as_dict = {"content": None, "tool_calls": [
        {"id": "c1", "function": {"name": "predict_rentals", "arguments": '{"hour": {}}'}}]}
    assert agent.turn_from_openai(Message()) == agent.turn_from_openai(as_dict)
    assert agent.turn_from_openai({"content": "hi"}) == agent.Turn("hi")


def test_first_call_scores_check_the_values_not_only_the_shape(schemas):
    case = agent.load_cases()[0]
    right = agent.ScriptedModel([agent.call("predict_rentals", {"hour": case.expected})])
    wrong = agent.ScriptedModel([agent.call("predict_rentals",
                                            {"hour": {**case.expected, "hr": 9}})])
    silent = agent.ScriptedModel([agent.Turn(content="about 300")])
    scores = [agent.first_call_scores(m, schemas, [case])[0] for m in (right, wrong, silent)]
    assert [s["right values"] for s in scores] == [True, False, False]
    assert [s["valid arguments"] for s in scores] == [True, True, False]
    assert [s["called the tool"] for s in scores] == [True, True, False]


def test_screen_withholds_instructions_and_passes_data():
    notes = agent.load_notes()
    flagged = [day for day, text in notes.items() if agent.screen(text)[1]]
    assert flagged == ["2012-06-15"]
    text, reasons = agent.screen(notes["2012-06-15"])
    assert reasons and "Ignore" not in text


# --- the loop, over the real MCP server and API -------------------------------------------------


@pytest.mark.slow
def test_an_invalid_call_never_reaches_the_api(api, traces):
    server, log = api
    before = logged_rows(log)
    model = agent.ScriptedModel([
        agent.call("predict_rentals", {"hour": {**EXAMPLE_RECORD, "hr": "8"}}),
        agent.call("predict_rentals", {"hour": EXAMPLE_RECORD}),
        lambda messages: agent.Turn(content=messages[-1]["content"]),
    ])
    result, reached = run(server.url, model)
    assert result.stopped == "answered"
    assert [s.kind for s in result.steps] == ["rejected", "call", "answer"]
    assert reached == 1 and logged_rows(log) == before + 1
    assert json.loads(result.answer)["model_version"] == "baseline-2011"


@pytest.mark.slow
def test_the_budget_bounds_tool_calls_and_turns(api, traces):
    server, log = api
    before = logged_rows(log)
    looping = agent.ScriptedModel([agent.call("predict_rentals", {"hour": EXAMPLE_RECORD})] * 10)
    result, reached = run(server.url, looping, agent.Budget(max_turns=5, max_tool_calls=2))
    assert result.stopped == "budget" and result.turns == 5
    assert result.tool_calls == reached == 2 and logged_rows(log) == before + 2
    assert result.answer is None


@pytest.mark.slow
def test_injected_instructions_in_tool_output_are_withheld_and_traced(api, traces):
    server, _ = api
    seen = []
    model = agent.ScriptedModel([
        agent.call("operator_notes", {"day": "2012-06-15"}),
        lambda messages: seen.append(messages[-1]["content"]) or agent.Turn(content="done"),
    ])
    result, _ = run(server.url, model)
    assert [s.kind for s in result.steps] == ["screened", "answer"]
    assert "Ignore all previous instructions" not in seen[0]
    spans = mlflow.get_trace(result.trace_id, flush=True).data.spans
    assert [s.name for s in spans] == ["agent", "model", "tool operator_notes", "model"]
    tool_span = spans[2]
    assert tool_span.outputs["screened"] == ["override"]
