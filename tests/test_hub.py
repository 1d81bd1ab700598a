"""A class on one hub: the hub's config, the Kubernetes values and image, and a real round trip.

The round trip runs JupyterHub with configurable-http-proxy (hub/package-lock.json, installed
by `./course setup`) and hub/jupyterhub_config.py itself, on free ports in a temporary folder,
with LocalProcessSpawner: each person's server runs as a Unix account of its own, which the
hub creates, because nbgrader's exchange keeps students apart with Unix permissions. That
needs root (CI runs as root); elsewhere the round trip skips and says so.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jsonschema
import nbformat
import pytest
import websocket
import yaml

from mlops_course import containers, hub, servers, settings
from mlops_course.grading.lab import get_lab, solved, with_sources
from tests.conftest import IN_CI

HUB = settings.REPO_ROOT / "hub"
LAB = "00-start-here"
NOTEBOOK = "warmup"


# --- the one-machine config -------------------------------------------------------------------


def load_hub_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str):
    """hub/jupyterhub_config.py as JupyterHub reads it, with HUB_* variables set."""
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setenv("HUB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("HUB_EXCHANGE", str(tmp_path / "exchange"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return PyFileConfigLoader("jupyterhub_config.py", path=str(HUB)).load_config()


def test_the_hub_config_sets_what_a_class_needs(tmp_path, monkeypatch):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email,lms_user_id,section\nada,Ada,L,,,\nbob,B,M,,,\n")
    c = load_hub_config(tmp_path, monkeypatch, HUB_ROSTER=str(roster), HUB_INSTRUCTORS="ines")

    assert c.JupyterHub.authenticator_class == "firstuseauthenticator.FirstUseAuthenticator"
    assert c.FirstUseAuthenticator.dbm_path == str(tmp_path / "state" / "passwords.dbm")
    assert c.Authenticator.allowed_users == {"ada", "bob", "ines"}
    assert c.JupyterHub.load_groups == {
        "instructors": {"users": ["ines"]}, "students": {"users": ["ada", "bob"]}
    }
    roles = {role["name"]: role for role in c.JupyterHub.load_roles}
    assert roles["instructors"]["groups"] == ["instructors"]
    assert all(s in ("admin-ui", "access:servers") or s.endswith("!group=students")
               for s in roles["instructors"]["scopes"]), "instructors manage students only"
    assert set(roles["idle-culler"]["scopes"]) == {
        "list:users", "read:users:activity", "read:servers", "delete:servers"
    }
    (culler,) = [s for s in c.JupyterHub.services if s["name"] == "idle-culler"]
    assert culler["command"][1:3] == ["-m", "jupyterhub_idle_culler"]
    assert "--timeout=3600" in culler["command"]
    assert c.Spawner.default_url == "/lab"
    assert (c.Spawner.mem_limit, c.Spawner.cpu_limit) == ("3G", 1.0)
    assert c.JupyterHub.spawner_class == "systemdspawner.SystemdSpawner"
    assert c.SystemdSpawner.dynamic_users is False
    assert (tmp_path / "exchange").stat().st_mode & 0o777 == 0o777


def test_the_hub_refuses_a_user_named_like_a_system_account():
    with pytest.raises(hub.HubSetupError, match="did not create"):
        hub.ensure_unix_user("root", group="jupyterhub-users-that-does-not-exist")


def test_students_get_the_student_mode_and_instructors_the_course_settings():
    account = pwd.getpwuid(os.getuid())
    student = hub.user_environment(account, instructor=False, hub=hub.HubSettings())
    teacher = hub.user_environment(account, instructor=True, hub=hub.HubSettings())
    assert student["JUPYTER_CONFIG_PATH"].endswith("binder/student-mode")
    assert "student-mode" not in teacher["JUPYTER_CONFIG_PATH"]
    assert (student["HUB_ROLE"], teacher["HUB_ROLE"]) == ("student", "instructor")
    assert student["MLOPS_WORKSPACE"] == str(Path(account.pw_dir) / "workspace")


# --- Zero to JupyterHub -------------------------------------------------------------------------

# The keys hub/values.yaml uses, with the types the Zero to JupyterHub chart's values schema
# (jupyterhub/values.schema.yaml, chart appVersion 5.4.5) gives them. The chart's whole schema is
# not vendored: its packaged values.schema.json comes with the chart from the Helm repository,
# which the build machines cannot reach. Objects the chart passes through (hub.config,
# extraConfig, loadRoles, extraEnv, lifecycle hooks, volumes) stay open, as in the chart.
_OPEN = {"type": "object", "additionalProperties": True}
_NUM = {"type": ["number", "null"]}
_SIZE = {"type": ["number", "string", "null"]}
CHART_SUBSET = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "hub": {"type": "object", "additionalProperties": False, "properties": {
            "config": _OPEN, "loadRoles": _OPEN, "extraConfig": _OPEN}},
        "singleuser": {"type": "object", "additionalProperties": False, "properties": {
            "image": {"type": "object", "additionalProperties": False, "required": ["name", "tag"],
                      "properties": {"name": {"type": "string"}, "tag": {"type": "string"}}},
            "defaultUrl": {"type": ["string", "null"]},
            "cpu": {"type": "object", "additionalProperties": False,
                    "properties": {"limit": _NUM, "guarantee": _NUM}},
            "memory": {"type": "object", "additionalProperties": False,
                       "properties": {"limit": _SIZE, "guarantee": _SIZE}},
            "storage": {"type": "object", "additionalProperties": False,
                        "required": ["type", "homeMountPath"], "properties": {
                            "type": {"enum": ["dynamic", "static", "none"]},
                            "capacity": {"type": ["string", "null"]},
                            "homeMountPath": {"type": "string"},
                            "extraVolumes": {"type": "array"},
                            "extraVolumeMounts": {"type": "array"}}},
            "lifecycleHooks": {"type": "object", "additionalProperties": False,
                               "properties": {"postStart": _OPEN, "preStop": _OPEN}},
            "startTimeout": {"type": ["integer", "null"]}}},
        "cull": {"type": "object", "additionalProperties": False, "required": ["enabled"],
                 "properties": {"enabled": {"type": "boolean"},
                                "timeout": {"type": ["integer", "null"]},
                                "every": {"type": ["integer", "null"]},
                                "users": {"type": ["boolean", "null"]}}},
        "prePuller": {"type": "object", "additionalProperties": False, "properties": {
            "hook": {"type": "object", "required": ["enabled"],
                     "properties": {"enabled": {"type": "boolean"}}},
            "continuous": {"type": "object", "required": ["enabled"],
                           "properties": {"enabled": {"type": "boolean"}}}}},
    },
}


def _values() -> dict:
    return yaml.safe_load((HUB / "values.yaml").read_text())


def test_the_kubernetes_values_use_only_keys_the_chart_defines():
    jsonschema.validate(_values(), CHART_SUBSET)


def test_a_misspelt_chart_key_is_caught():
    values = _values()
    values["singleuser"]["memory"]["limt"] = "3G"
    with pytest.raises(jsonschema.ValidationError, match="limt"):
        jsonschema.validate(values, CHART_SUBSET)


def test_kubernetes_and_one_machine_give_a_student_the_same_limits_and_timeout():
    values = _values()
    defaults = hub.HubSettings()
    assert values["singleuser"]["memory"]["limit"] == defaults.mem_limit
    assert values["singleuser"]["cpu"]["limit"] == defaults.cpu_limit
    assert values["cull"]["timeout"] == defaults.idle_timeout
    roles = values["hub"]["loadRoles"]["instructors"]
    assert roles["scopes"] == hub.instructor_scopes()
    mounts = values["singleuser"]["storage"]["extraVolumeMounts"]
    assert [m["mountPath"] for m in mounts] == [str(defaults.exchange)]
    assert values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"][0] == "gitpuller"
    compile(values["hub"]["extraConfig"]["course.py"], "course.py", "exec")


def test_the_singleuser_image_passes_hadolint_and_the_course_policy():
    dockerfile = HUB / "Dockerfile"
    assert containers.policy_problems(dockerfile) == []
    assert containers.hadolint(dockerfile) == []
    text = dockerfile.read_text()
    assert "COPY binder/requirements.txt" in text, "the image installs the course's lock"
    assert "binder/student-mode" in text


# --- a real hub -------------------------------------------------------------------------------


def _proxy() -> str:
    command = hub.proxy_command()[0]
    found = command if Path(command).exists() else shutil.which(command)
    if not found:
        message = ("configurable-http-proxy is not installed: `./course setup` installs it with "
                   "npm from hub/package-lock.json (needs Node.js 20+ and npm)")
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


@dataclass
class Hub:
    url: str
    token: str
    base: Path
    exchange: Path
    group: str
    prefix: str
    log: Path
    users: list[str] = field(default_factory=list)

    def api(self, method: str, path: str, token: str | None = None, **kw) -> httpx.Response:
        headers = {"Authorization": f"token {token or self.token}"}
        return httpx.request(method, f"{self.url}/hub/api{path}", headers=headers, timeout=60,
                             **kw)

    def server(self, name: str, token: str) -> httpx.Client:
        return httpx.Client(base_url=f"{self.url}/user/{name}",
                            headers={"Authorization": f"token {token}"}, timeout=120)

    def start(self, names: list[str]) -> None:
        """Start everyone's server at once (the hub spawns them concurrently); wait for all."""
        for name in names:
            assert self.api("POST", f"/users/{name}/server").status_code in (201, 202)
        deadline = time.monotonic() + 120
        waiting = set(names)
        while waiting and time.monotonic() < deadline:
            for name in sorted(waiting):
                if self.api("GET", f"/users/{name}").json()["servers"].get("", {}).get("ready"):
                    waiting.discard(name)
            time.sleep(0.3)
        assert not waiting, f"{sorted(waiting)}: server did not start; see {self.log}"


def _wait_for_hub(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"JupyterHub exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/hub/api/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"JupyterHub did not answer within 60 s:\n{log.read_text()[-3000:]}")


def _processes_of(uids: set[int]) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    pids.append(int(entry.name))
            except FileNotFoundError:
                continue
    return pids


def _remove_accounts(users: list[str], group: str) -> None:
    uids = set()
    for name in users:
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            continue
    for pid in _processes_of(uids):  # whatever the hub left behind, by pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for name in users:
        subprocess.run(["userdel", name], capture_output=True)
    subprocess.run(["groupdel", group], capture_output=True)


def _closed_ancestor(path: Path) -> Path | None:
    """The first folder above `path` that other accounts cannot enter, if any."""
    for parent in reversed(path.parents):
        if parent != Path("/") and not parent.stat().st_mode & 0o001:
            return parent
    return None


_SHOW_PYTHON = """set -e
mount --bind "$1" "$2"
mount -t tmpfs -o mode=0755 tmpfs "$3"
mkdir -p "$1"
mount --bind "$2" "$1"
shift 3
exec "$@"
"""


def _python_for_everyone(base: Path) -> list[str]:
    """A command prefix that lets every account run the course's Python, when it cannot.

    On the build machines the venv's base Python lives under /root (mode 700), which the
    students' accounts cannot enter. The hub then runs in a private mount namespace where that
    folder holds only the Python install. A class server installs Python system-wide and
    needs none of this.
    """
    python = Path(sys.base_prefix).resolve()
    closed = _closed_ancestor(python)
    if closed is None:
        return []
    stash = base / "python"
    stash.mkdir()
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", _SHOW_PYTHON, "sh",
            str(python), str(stash), str(closed)]


@pytest.fixture(scope="module")
def class_hub() -> Iterator[Hub]:
    """JupyterHub with hub/jupyterhub_config.py, as root, on free ports; stopped and cleaned."""
    if os.geteuid() != 0:
        pytest.skip("the hub test runs as root: each person's server runs as its own Unix "
                    "account, which nbgrader's exchange relies on (CI runs as root)")
    proxy = _proxy()
    base = Path(tempfile.mkdtemp(prefix="mlops-hub-"))
    base.chmod(0o755)  # the accounts' homes live below it
    prefix = f"h{os.getpid() % 100000}"
    port, api_port, proxy_api_port = (servers.free_port() for _ in range(3))
    the_hub = Hub(url=f"http://127.0.0.1:{port}", token=secrets.token_hex(24), base=base,
                  exchange=base / "exchange", group=f"{prefix}-hub", prefix=prefix,
                  log=base / "jupyterhub.log")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{Path(proxy).parent}:{os.environ['PATH']}",
        "HUB_SPAWNER": "local", "HUB_IP": "127.0.0.1", "HUB_PORT": str(port),
        "HUB_API_PORT": str(api_port), "HUB_PROXY_API_PORT": str(proxy_api_port),
        "HUB_STATE_DIR": str(base / "state"), "HUB_EXCHANGE": str(the_hub.exchange),
        "HUB_HOMES": str(base / "homes"), "HUB_UNIX_GROUP": the_hub.group,
        "HUB_ADMIN_TOKEN": the_hub.token,
    }
    (base / "state").mkdir()
    with the_hub.log.open("w") as log:
        command = [str(Path(sys.executable).parent / "jupyterhub"), "-f",
                   str(HUB / "jupyterhub_config.py")]
        proc = subprocess.Popen(
            [*_python_for_everyone(base), *command],
            cwd=base / "state", env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_hub(the_hub.url, proc, the_hub.log)
        yield the_hub
    finally:
        proc.send_signal(signal.SIGTERM)  # the hub stops every server and the proxy
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        _remove_accounts(the_hub.users, the_hub.group)
        keep = settings.REPO_ROOT / "test-artifacts" / "jupyterhub.log"
        keep.parent.mkdir(exist_ok=True)
        shutil.copy(the_hub.log, keep)
        shutil.rmtree(base, ignore_errors=True)


class Terminal:
    """A terminal on a person's server, over the same websocket JupyterLab's terminal uses."""

    _ansi = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b\(B|\r")

    def __init__(self, client: httpx.Client, token: str) -> None:
        name = client.post("/api/terminals").json()["name"]
        url = str(client.base_url).rstrip("/").replace("http://", "ws://")
        url += f"/terminals/websocket/{name}"
        self.ws = websocket.create_connection(url, header=[f"Authorization: token {token}"],
                                              timeout=300, suppress_origin=True)
        self.count = 0

    def run(self, command: str, timeout: float = 300) -> tuple[int, str]:
        """Type `command`, wait for it to finish; its exit code and what it printed."""
        self.count += 1
        marker = f"__done_{self.count}_"
        self.ws.send(json.dumps(["stdin", f"{command}; echo {marker}$?__\r"]))
        out, deadline = "", time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if message[0] == "stdout":
                out += message[1]
                found = re.search(re.escape(marker) + r"(\d+)__", out)
                if found:
                    return int(found.group(1)), self._ansi.sub("", out[: found.start()])
        raise AssertionError(f"`{command}` did not finish in {timeout:.0f} s:\n{out[-3000:]}")

    def close(self) -> None:
        self.ws.close()


# What the instructor types in a terminal on the hub: grading/README.md, "The instructor's hour
# on the hub", shows these very commands.
INSTRUCTOR_RELEASE = f"nbgrader release_assignment {LAB}"
INSTRUCTOR_GRADE = [
    f"nbgrader collect {LAB}",
    f'mlops-course grade {LAB} "$MLOPS_WORKSPACE/grading/submitted" --no-progress',
    f'cd "$MLOPS_WORKSPACE/grading" && nbgrader release_feedback {LAB}',
]


def _answers(right: bool, name: str) -> dict:
    """The warm-up lab answered right, or with the mutant that sums instead of averaging."""
    lab = get_lab(LAB)
    release = nbformat.read(lab.release_path(NOTEBOOK), as_version=4)
    notebook = solved(release, lab.source(NOTEBOOK))
    if not right:
        (mutant,) = [m for m in lab.mutants() if m.name == "q2_sums_instead_of_means"]
        notebook = with_sources(notebook, mutant.replacements)
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith("NAME ="):
            cell.source = f'NAME = "{name}"'
    return notebook


class _Clock:
    """Seconds per phase of the round trip, kept in test-artifacts/ to watch its CI cost."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 1)
        self.last = now

    def save(self, path: Path) -> None:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(self.laps, indent=1))
        print(json.dumps(self.laps, indent=1))


def _grades(hub_: Hub, instructor: str) -> dict[str, dict[str, str]]:
    path = (hub_.base / "homes" / instructor / "workspace" / "grading" / "reports" / LAB
            / "grades.csv")
    with path.open(newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


def _answer_and_submit(students: dict[str, httpx.Client], names: dict[str, str]) -> None:
    """Each student fetches the lab, answers it (the first right, the second wrong), validates
    and submits, through their own server's nbgrader handlers (what JupyterLab's panels call)."""
    first = next(iter(students))
    for user, client in students.items():
        form = {"course_id": hub.COURSE_ID, "assignment_id": LAB}
        assert client.post("/assignments/fetch", data=form).status_code == 200
        path = f"{LAB}/{NOTEBOOK}.ipynb"
        fetched = client.get(f"/api/contents/{path}").json()["content"]
        assert "HIDDEN TESTS" not in json.dumps(fetched), "hidden tests reached a student"
        answered = _answers(right=user == first, name=names[user])
        put = client.put(f"/api/contents/{path}", json={"type": "notebook", "content": answered})
        assert put.status_code == 200, put.text
        validation = client.post("/assignments/validate", data={"path": path}).json()
        assert validation["success"], validation  # visible tests pass for both: hidden decide
        submitted = client.post("/assignments/submit", data=form).json()
        assert not (isinstance(submitted, dict) and submitted.get("success") is False), submitted


def _fetch_own_feedback(students: dict[str, httpx.Client], names: dict[str, str]) -> None:
    """Each student fetches feedback: theirs, with their name and without hidden tests."""
    for user, client in students.items():
        form = {"course_id": hub.COURSE_ID, "assignment_id": LAB}
        assert client.post("/assignments/fetch_feedback", data=form).status_code == 200
        listing = client.get(f"/api/contents/{LAB}/feedback").json()["content"]
        (folder,) = listing
        (page,) = client.get(f"/api/contents/{folder['path']}").json()["content"]
        html = client.get(f"/api/contents/{page['path']}").json()["content"]
        (other,) = [n for u, n in names.items() if u != user]
        assert names[user] in html and other not in html
        assert "HIDDEN TESTS" not in html


@pytest.mark.slow
def test_a_class_round_trip_through_a_real_hub(class_hub: Hub):
    h = class_hub
    clock = _Clock()
    instructor, ada, bob = (f"{h.prefix}-{n}" for n in ("ines", "ada", "bob"))
    h.users += [instructor, ada, bob]

    # The hub's REST API: three people, two groups, a token each, a server each.
    assert h.api("POST", "/users", json={"usernames": h.users}).status_code == 201
    assert h.api("POST", "/groups/instructors/users", json={"users": [instructor]}).is_success
    assert h.api("POST", "/groups/students/users", json={"users": [ada, bob]}).is_success
    tokens = {u: h.api("POST", f"/users/{u}/tokens", json={"note": "round trip"}).json()["token"]
              for u in h.users}
    h.start(h.users)
    clock.lap("three servers started")
    teacher = h.server(instructor, tokens[instructor])
    students = {u: h.server(u, tokens[u]) for u in (ada, bob)}

    # Student mode on the hub: formgrader for the instructor only.
    assert teacher.get("/formgrader").status_code == 200
    assert students[ada].get("/formgrader").status_code == 404
    # Instructors may open a student's server; a student may not open another's.
    assert h.server(ada, tokens[instructor]).get("/api/contents").status_code == 200
    assert h.server(ada, tokens[bob]).get("/api/contents").status_code in (403, 404)

    names = {ada: "Ada Lovelace", bob: "Bob Mutant"}
    shell = Terminal(teacher, tokens[instructor])
    code, out = shell.run(INSTRUCTOR_RELEASE)
    assert code == 0, out
    transcript = [out]

    clock.lap("checks and release")
    _answer_and_submit(students, names)
    clock.lap("students fetch, answer, validate, submit")

    # Isolation: Bob cannot list the inbound folder nor read Ada's home.
    bob_shell = Terminal(students[bob], tokens[bob])
    code, out = bob_shell.run(f"ls {h.exchange}/{hub.COURSE_ID}/inbound")
    assert code != 0 and "Permission denied" in out, out
    code, out = bob_shell.run(f"cat {h.base}/homes/{ada}/{LAB}/{NOTEBOOK}.ipynb")
    assert code != 0 and "Permission denied" in out, out

    # The instructor collects, grades with the course's engine and releases the feedback.
    for command in INSTRUCTOR_GRADE:
        code, out = shell.run(command)
        assert code == 0, f"{command}\n{out}"
        transcript.append(out)
        clock.lap(command.split(" 00")[0].split("&& ")[-1])
    grades = _grades(h, instructor)
    assert grades[ada]["status"] == grades[bob]["status"] == "graded"
    assert grades[ada]["total"] == grades[ada]["max_score"] == "5"
    question_2 = [k for k in grades[bob] if "q2_test" in k]
    assert float(grades[bob][question_2[0]]) == 0, "the hidden tests catch Bob's sums"
    assert float(grades[bob]["total"]) == 3

    _fetch_own_feedback(students, names)
    clock.lap("students fetch feedback")
    shell.close()
    bob_shell.close()
    clock.save(settings.REPO_ROOT / "test-artifacts" / "hub-round-trip.json")
    # What the instructor's terminal showed: grading/README.md quotes it.
    (settings.REPO_ROOT / "test-artifacts" / "hub-instructor-terminal.txt").write_text(
        "\n".join(transcript))
