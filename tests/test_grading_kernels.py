"""The kernel factory's shortcuts change nothing a kernel or a student can see.

Each kernel is forked from a factory that parsed the kernels' command line and listed the
modules' files once, and the cleanup between two kernels runs in the factory itself. Real
sandboxes, real forked kernels, real code run in them over Jupyter's protocol.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from jupyter_client import BlockingKernelClient

from mlops_course.grading import sandbox

PROBE = """
import json, os, sys
from ipykernel.kernelapp import IPKernelApp
_ip = get_ipython()
_app = IPKernelApp.instance()
_walk = [m.__file__ for m in sys.modules.copy().values() if getattr(m, '__file__', None)]
_listed = _ip.kernel._kernel_modules
_files = {f: f for f in _walk}
print(json.dumps({
    'connection_file': _app.connection_file,
    'hist_file': str(_ip.history_manager.hist_file),
    'extensions': sorted(_ip.extension_manager.loaded),
    'profile_dirs': [os.path.isdir(p) for p in (_ip.profile_dir.location,
                     _ip.profile_dir.startup_dir, _ip.profile_dir.security_dir)],
    'modules_in_order': [f for f in _listed if f in set(_walk)]
                        == [f for f in _walk if f in set(_listed)],
    'modules_missing': sorted(set(_walk) - set(_listed)),
    'modules_extra': sorted(set(_listed) - set(_walk)),
    'n_listed': len(_listed),
    # the factory's list holds copies of the file names; a walk of sys.modules, the names
    'walked': any(_files.get(f) is f for f in _listed),
    'pandas_listed': any(f.endswith('pandas/__init__.py') for f in _listed),
    'enabled': _ip.history_manager.enabled,
}))
"""

LEAVE_BEHIND = """
import os, subprocess
subprocess.Popen(['sleep', '300'], start_new_session=True)
for folder in (os.path.expanduser('~'), '/tmp', '/dev/shm'):
    with open(os.path.join(folder, 'left-behind.txt'), 'w') as fh:
        fh.write('from the last student')
print('left')
"""


def _run(box: sandbox.Sandbox, handle: sandbox.KernelHandle, code: str) -> str:
    kc = BlockingKernelClient()
    kc.load_connection_info(handle.connection)
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        return _run_with(kc, code)
    finally:
        kc.stop_channels()


def _run_with(kc: BlockingKernelClient, code: str) -> str:
    """What `code` printed, in a kernel `kc` is connected to (the cell must not fail)."""
    out: list[str] = []

    def keep(msg: dict) -> None:
        if msg["header"]["msg_type"] == "stream":
            out.append(msg["content"].get("text", ""))

    reply = kc.execute_interactive(code, timeout=60, output_hook=keep)
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(out)


@pytest.fixture
def box():
    use = sandbox.bwrap() is not None
    made = sandbox.Sandbox("kernels-lab", sandbox.Limits(), ("pandas",), use_bwrap=use)
    made.start()
    try:
        yield made
    finally:
        made.close()


def test_a_forked_kernel_is_set_up_as_its_command_line_says(box):
    assert box.factory["parsed_ahead"] is True
    kernel = box.spawn()
    seen = json.loads(_run(box, kernel, PROBE).strip().splitlines()[-1])
    box.cleanup(kernel)
    assert seen["connection_file"] == f"{box.run_dir}/kernel.json"
    assert seen["hist_file"] == ":memory:"
    assert "mlops_course.grading.streams" in seen["extensions"]
    assert seen["profile_dirs"] == [True, True, True]  # made by the kernel, in its own home
    # ipykernel's list of module files, read from the factory's: the modules loaded when the
    # kernel was built, in sys.modules' order. Only what the kernel imported later is missing,
    # and only the factory's __main__ (IPython gives a kernel a __main__ of its own) is extra.
    assert seen["modules_in_order"] and seen["pandas_listed"]
    assert seen["n_listed"] > 500
    assert not seen["walked"]  # read off the factory's list, not a walk of a thousand modules
    assert all("ipykernel" not in f and "pandas" not in f for f in seen["modules_missing"])
    assert [Path(f).name for f in seen["modules_extra"]] == ["kernels.py"]


def test_a_kernel_with_another_command_line_parses_its_own(box):
    wanted = box.kernel_argv
    box.kernel_argv = lambda: [*wanted(), "--HistoryManager.enabled=False"]
    kernel = box.spawn()
    seen = json.loads(_run(box, kernel, PROBE).strip().splitlines()[-1])
    box.cleanup(kernel)
    assert seen["enabled"] is False
    assert seen["hist_file"] == ":memory:"
    box.kernel_argv = wanted
    kernel = box.spawn()
    assert json.loads(_run(box, kernel, PROBE).strip().splitlines()[-1])["enabled"] is True
    box.cleanup(kernel)


def test_cleanup_leaves_no_process_or_file_and_the_factory_as_it_was(box):
    def ids() -> list[str]:
        status = Path(f"/proc/{box.factory_host_pid}/status").read_text().splitlines()
        return [line for line in status if line.startswith(("Uid:", "Gid:"))]

    before = ids()
    kernel = box.spawn()
    assert _run(box, kernel, LEAVE_BEHIND).strip() == "left"
    assert any(p.name() == "sleep" for p in box.kernel_processes())
    box.cleanup(kernel)
    assert box.kernel_processes() == []
    assert ids() == before  # back to its own user after emptying the kernels' folders
    kernel = box.spawn()
    probe = (
        "import os\nprint([os.path.exists(os.path.join(f, 'left-behind.txt')) "
        "for f in (os.path.expanduser('~'), '/tmp', '/dev/shm')])"
    )
    assert _run(box, kernel, probe).strip() == "[False, False, False]"
    box.cleanup(kernel)
    assert box.alive()


def test_sandbox_folders_go_to_a_roomy_dev_shm_only(monkeypatch):
    class Stats:
        f_frsize = 4096

        def __init__(self, free: int) -> None:
            self.f_bavail = free // 4096

    monkeypatch.setattr(os, "access", lambda path, mode: True)
    monkeypatch.setattr(os, "statvfs", lambda path: Stats(8 * 1024**3))
    assert sandbox.scratch_root() == Path("/dev/shm")
    monkeypatch.setattr(os, "statvfs", lambda path: Stats(64 * 1024**2))  # a container's default
    assert sandbox.scratch_root() is None

    def missing(path):
        raise FileNotFoundError(path)

    monkeypatch.setattr(os, "statvfs", missing)
    assert sandbox.scratch_root() is None


ERRORS = [
    "print(undefined_name)",
    "def busiest(rows):\n    return rows['hour'] + 1\n\n\ntotal = busiest({'hour': 'x'})",
    "import pandas as pd\npd.DataFrame({'a': [1]}).loc[:, 'b']",
    "assert sorted([3, 1]) == [3, 1], 'not sorted'",
]


def _tracebacks(kc: BlockingKernelClient) -> list[list[str]]:
    shown: list[list[str]] = []

    def keep(msg: dict) -> None:
        if msg["header"]["msg_type"] == "error":
            shown.append(msg["content"]["traceback"])

    for code in ERRORS:
        kc.execute_interactive(code, timeout=60, output_hook=keep)
    return shown


STORED = (
    "import json\n"
    "_stored = get_ipython().history_manager.exceptions\n"
    "print(json.dumps([_stored[n]['traceback'] for n in sorted(_stored)]))"
)


def test_a_forked_kernel_shows_tracebacks_as_a_kernel_jupyter_starts(box):
    """The factory's shortcuts for tracebacks (one lexer class, caches filled before the fork)
    leave every error a student sees as a kernel started by jupyter_client shows it."""
    from jupyter_client.manager import start_new_kernel

    km, stock = start_new_kernel(kernel_name="python3")
    try:
        expected = _tracebacks(stock)
        stored = _run_with(stock, STORED)
    finally:
        stock.stop_channels()
        km.shutdown_kernel(now=True)
    kernel = box.spawn()
    kc = BlockingKernelClient()
    kc.load_connection_info(kernel.connection)
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        seen = _tracebacks(kc)
        seen_stored = _run_with(kc, STORED)
    finally:
        kc.stop_channels()
        box.cleanup(kernel)
    assert len(expected) == len(ERRORS)
    assert any("\x1b[" in line for tb in expected for line in tb)  # highlighted, as students see
    assert seen == expected
    # what IPython stores with the history: formatted once here, twice in a stock kernel
    assert json.loads(seen_stored) == json.loads(stored) == expected
