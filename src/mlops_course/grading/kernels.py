"""The kernel factory: runs inside a grading sandbox and forks one fresh kernel per notebook.

Starting a Jupyter kernel and importing a lab's libraries costs seconds of CPU per notebook,
more than most students' code. The factory pays it once per grading worker: it imports
ipykernel and the lab's modules (pandas, the course package, ...), then never runs student
code itself. For every notebook it forks a child that becomes a new kernel; the child is used
for exactly one notebook and then killed with everything it started. No kernel ever inherits
anything a student did: every child is a copy of the pristine factory, not of an earlier kernel.

Between two kernels the worker asks for `cleanup`: every process in the sandbox except the
factory is killed and /tmp, /dev/shm and the student's folder are emptied.

Protocol: one JSON object per line on stdin, one JSON reply per line on stdout.
    {"op": "spawn", "argv": [...], "cwd": ..., "log": ..., "limits": {...},
     "uid": int|null, "env": {...}}                      -> {"pid": n}
    {"op": "status", "pid": n}                           -> {"alive": bool, "code": n|null,
                                                             "signal": n|null}
    {"op": "signal", "pid": n, "signal": n}              -> {"ok": true}
    {"op": "cleanup", "uid": int|null, "wipe": [paths]}  -> {"ok": true}
    {"op": "exit"}
Run as `python -m mlops_course.grading.kernels '<json spec>'`; spec keys: preload (module
names), pid_namespace (true when kill(-1) only reaches the sandbox), kernel_argv (the kernels'
command line, parsed once in the factory, which also lists the modules' files once; a spawn
with another `argv` parses its own; null: each kernel does both itself).

Reaches into other packages' internals, made in the factory before it forks (review them when
ipykernel, IPython or stack_data is upgraded; nbgrader's and nbclient's are in
`nbgrader_overrides`): `ipykernel.ipkernel.sys` while a kernel starts (`_module_files_ahead`),
`stack_data.core._pygmented_with_ranges` (`one_traceback_lexer`) and
`IPython.core.ultratb.AutoFormattedTB.structured_traceback` (`format_each_error_once`).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import os
import resource
import shutil
import signal
import sys
import time
import traceback
import types

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
# What every kernel imports while it starts (the debugger alone is a second of CPU here).
KERNEL_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "IPython.core.completer",
    "jedi",
)
# What a kernel imports later, on its first message or its first error, read off a forked
# kernel's sys.modules after a notebook with a traceback (ipykernel 7, IPython 9). Imported in
# the factory, each kernel finds them loaded instead of paying for them again: formatting the
# first traceback alone (stack_data, executing, pygments' terminal formatter) cost a kernel
# more CPU than a light notebook's own code.
KERNEL_LATE_MODULES = (
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.logger",
    "IPython.core.oinspect",
    "IPython.core.ultratb",
    "IPython.extensions.storemagic",
    "IPython.utils.wildcard",
    "faulthandler",
    "pdb",
    "sqlite3",
    "tornado.platform.asyncio",
    "stack_data",
    "executing",
    "pure_eval",
    "asttokens",
    "pygments.formatters.terminal256",
    "pygments.styles",
    "mlops_course.grading.streams",
    "mlops_course.grading.guard",
)


@contextlib.contextmanager
def collector_paused():
    """Import without the garbage collector's passes, then leave it as it was.

    Importing a stack (Jupyter's, nbgrader's, pandas) makes hundreds of thousands of objects
    that live as long as the process, and the collector walks them again and again while they
    are made, finding nothing to free. Paused, nbgrader's import took 0.72 s of CPU instead of
    0.84 s; paused until its freeze, a kernel factory started in 0.72 s of CPU instead of 0.79 s
    (benchmarks/README.md). Used around the start-up of the kernel factory and of the grading
    command.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _prctl(option: int, value: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def _set_nondumpable() -> None:
    """Other processes of the same user can neither ptrace this one nor read its memory."""
    _prctl(PR_SET_DUMPABLE, 0)


def _die_with_parent() -> None:
    """Be killed when the parent goes (bubblewrap does this for a sandbox; this covers the
    factory without one, and every kernel when its factory goes)."""
    parent = os.getppid()
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent went before the request was in place
        os._exit(1)


def _virtual_size() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _limit(kind: int, value: int | None) -> None:
    if value is None:
        return
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        soft, hard = resource.getrlimit(kind)
        if hard == resource.RLIM_INFINITY or value <= hard:
            resource.setrlimit(kind, (value, hard))


def _apply_limits(limits: dict) -> None:
    _limit(resource.RLIMIT_CORE, 0)
    if limits.get("memory_bytes"):
        _limit(resource.RLIMIT_AS, _virtual_size() + int(limits["memory_bytes"]))
    if limits.get("cpu_seconds"):
        cpu = int(limits["cpu_seconds"])
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    _limit(resource.RLIMIT_FSIZE, limits.get("file_bytes"))
    _limit(resource.RLIMIT_NPROC, limits.get("processes"))


def _drop_privileges(uid: int | None) -> None:
    if uid is None or os.getuid() != 0:
        return
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _kernel_child(req: dict, protocol_fds: tuple[int, int]) -> None:
    """In the forked child: become a kernel for one notebook. Never returns."""
    code = 1
    try:
        for fd in protocol_fds:
            os.close(fd)
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        _apply_limits(req.get("limits", {}))
        _drop_privileges(req.get("uid"))
        _die_with_parent()  # after the uid change, which would clear it
        log = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.environ.update(req.get("env", {}))
        os.chdir(req["cwd"])
        app = _kernel_app(req["argv"])
        with _module_files_ahead():
            app.initialize(req["argv"])
        app.start()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 0
    except BaseException:  # noqa: BLE001 - report and leave
        traceback.print_exc()
    finally:
        os._exit(code)


# The command line the factory's IPKernelApp has parsed (None: nothing parsed ahead).
_PARSED_ARGV: list[str] | None = None


def _parse_ahead(argv: list[str] | None) -> None:
    """In the factory: create the kernel application and parse the kernels' command line once.

    Building the application and parsing its command line (argparse over every configurable
    trait) costs a forked kernel about 8 ms of CPU and 1,400 copied pages; its result depends
    on the command line alone, the same for every kernel of a sandbox. Everything else in
    `IPKernelApp.initialize` (profile folder, config files, sockets, the shell) still runs in
    each kernel, in its own folder and environment, as in a kernel nbgrader starts."""
    global _PARSED_ARGV
    if not argv:
        return
    from ipykernel.kernelapp import IPKernelApp

    try:
        IPKernelApp.instance().parse_command_line(list(argv))
    except BaseException:  # noqa: BLE001 - each kernel then parses for itself, and says why
        IPKernelApp.clear_instance()
        return
    _PARSED_ARGV = list(argv)


def _kernel_app(argv: list[str]):
    """In a forked kernel: the application parsed ahead when `argv` is what was parsed, else a
    new one. `initialize` then skips the parse it would repeat and does all the rest."""
    from ipykernel.kernelapp import IPKernelApp

    if _PARSED_ARGV is not None and list(argv) == _PARSED_ARGV:
        app = IPKernelApp.instance()
        app.parse_command_line = lambda argv=None: None  # done in the factory, same argv
        return app
    IPKernelApp.clear_instance()
    return IPKernelApp.instance()


# The files of the modules the factory has loaded, joined by NUL, and how many modules it had.
_MODULE_FILES = ""
_MODULE_COUNT = 0


def _list_module_files() -> None:
    """In the factory: list, once, the loaded modules' files, as every kernel lists them.

    `IPythonKernel.__init__` lists the file of every loaded module for its debugger. In a
    forked kernel that first walk over the factory's modules (1,186 with pandas) cost 5.6 ms
    of CPU, most of it copying the 2,100 pages it touches. The list is kept as one string, so a
    kernel reading it touches one object, not a thousand."""
    global _MODULE_FILES, _MODULE_COUNT
    files = [m.__file__ for m in sys.modules.copy().values() if getattr(m, "__file__", None)]
    _MODULE_FILES, _MODULE_COUNT = "\0".join(files), len(sys.modules)


class _ModuleFiles:
    """Stands in for `sys.modules` where ipykernel lists the modules' files: `copy().values()`
    yields objects whose `__file__` is each file of the factory's list, in the same order."""

    def copy(self) -> _ModuleFiles:
        return self

    def values(self) -> list[types.SimpleNamespace]:
        return [types.SimpleNamespace(__file__=f) for f in _MODULE_FILES.split("\0")]


class _SysForKernel(types.ModuleType):
    """`sys` as `ipykernel.ipkernel` sees it while a forked kernel starts: the real module,
    except `modules` while no module was imported since the fork (same modules, same files)."""

    def __getattr__(self, name: str):
        if name == "modules" and len(sys.modules) == _MODULE_COUNT:
            return _ModuleFiles()
        return getattr(sys, name)


@contextlib.contextmanager
def _module_files_ahead():
    """In a forked kernel, while its application initializes: ipykernel reads the factory's
    list of module files instead of walking every module (see `_list_module_files`)."""
    from ipykernel import ipkernel

    if not _MODULE_FILES or ipkernel.sys is not sys:
        yield
        return
    ipkernel.sys = _SysForKernel("sys")
    try:
        yield
    finally:
        ipkernel.sys = sys


class Factory:
    def __init__(self, spec: dict, reader, writer) -> None:
        self.spec = spec
        self.reader, self.writer = reader, writer
        self.exits: dict[int, dict] = {}
        self.children: set[int] = set()  # kernels forked and not reaped yet

    def reply(self, obj: dict) -> None:
        self.writer.write(json.dumps(obj) + "\n")
        self.writer.flush()

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.exits[pid] = {
                "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            }

    def spawn(self, req: dict) -> dict:
        pid = os.fork()
        if pid == 0:
            _kernel_child(req, (self.reader.fileno(), self.writer.fileno()))
        self.children.add(pid)
        return {"pid": pid}

    def status(self, req: dict) -> dict:
        self.reap()
        pid = int(req["pid"])
        if pid in self.exits:
            return {"alive": False, **self.exits[pid]}
        return {"alive": True, "code": None, "signal": None}

    def signal(self, req: dict) -> dict:
        pid, sig = int(req["pid"]), int(req["signal"])
        try:
            os.killpg(pid, sig)
        except OSError:
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        return {"ok": True}

    def cleanup(self, req: dict) -> dict:
        """Kill every process but this one (and the sandbox's init), then empty the folders."""
        uid = req.get("uid")
        wipe = req.get("wipe", [])
        if self.spec.get("pid_namespace"):
            if uid is not None and os.getuid() == 0:
                # As root, kill(-1) reaches every process of the sandbox but init and this one;
                # once none is left, empty the folders as the kernels' user, who owns the files
                # (root here has no CAP_DAC_OVERRIDE). A forked helper did this as that user
                # before: its fork and exit cost 9 ms a notebook.
                _kill_all_but_me(None)
                with _as_user(uid):
                    _wipe(wipe)
            else:
                _kill_all_but_me(os.getuid())
                _wipe(wipe)
        else:  # no pid namespace: only the kernels' own sessions can be reached safely
            for pid in list(req.get("sessions", [])):
                for target in _session_members(int(pid)):
                    with contextlib.suppress(OSError):
                        os.kill(target, signal.SIGKILL)
            _wipe(wipe)
        # Every kernel has been sent SIGKILL: wait for their exits as events (one pidfd each),
        # not by polling against a deadline; the timeout only guards against a kernel stuck in
        # the kernel itself (uninterruptible I/O), which SIGKILL cannot end any sooner.
        started = time.perf_counter()
        _wait_exits(self.children, timeout=30)
        self.reap()
        return {"ok": True, "seconds": round(time.perf_counter() - started, 4)}

    def serve(self) -> None:
        for line in self.reader:
            if not line.strip():
                continue
            req = json.loads(line)
            op = req.get("op")
            if op == "exit":
                self.reply({"ok": True})
                return
            handler = {
                "spawn": self.spawn,
                "status": self.status,
                "signal": self.signal,
                "cleanup": self.cleanup,
            }.get(op)
            try:
                self.reply(handler(req) if handler else {"error": f"unknown op {op!r}"})
            except Exception as err:  # noqa: BLE001 - the worker decides what to do
                self.reply({"error": f"{type(err).__name__}: {err}"})


def _kill_all_but_me(uid: int | None) -> None:
    """kill(-1) reaches every process this one may signal in the pid namespace (as root: all)
    but this one and init; repeat until none of `uid` (None: of any user) is left, as a process
    forking in a loop may add one between two passes. Each pass waits for the exits it caused
    through pidfds (events, no sleeping)."""
    me = os.getpid()
    for _ in range(200):
        alive = {
            int(p)
            for p in os.listdir("/proc")
            if p.isdigit() and int(p) not in (1, me) and _alive_of(int(p), uid)
        }
        if not alive:
            return
        with contextlib.suppress(OSError):
            os.kill(-1, signal.SIGKILL)
        _wait_exits(alive, timeout=5)


def _wait_exits(pids: set[int], timeout: float) -> None:
    """Block until every process in `pids` has exited (a pidfd becomes readable on exit), or
    `timeout` passes. Children are not reaped here; processes already gone are skipped."""
    import select

    fds = []
    for pid in list(pids):
        try:
            fds.append(os.pidfd_open(pid))
        except (ProcessLookupError, OSError):
            continue
    try:
        poller = select.poll()
        for fd in fds:
            poller.register(fd, select.POLLIN)
        pending, deadline = len(fds), time.monotonic() + timeout
        while pending and (left := deadline - time.monotonic()) > 0:
            for fd, _ in poller.poll(left * 1000):
                poller.unregister(fd)
                pending -= 1
    finally:
        for fd in fds:
            os.close(fd)


@contextlib.contextmanager
def _as_user(uid: int):
    """Act as `uid` for a while, root staying the saved uid to come back to. Only used once
    every process of `uid` is gone, so none can signal or trace this one meanwhile."""
    ids = os.getresuid(), os.getresgid()
    os.setresgid(uid, uid, ids[1][2])
    os.setresuid(uid, uid, ids[0][2])
    try:
        yield
    finally:
        os.setresuid(*ids[0])
        os.setresgid(*ids[1])
        _set_nondumpable()  # a change of effective uid resets it


def _alive_of(pid: int, uid: int | None) -> bool:
    """Whether `pid` runs (not a zombie) as `uid` (None: as any user)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            fields = dict(line.split(":", 1) for line in fh if ":" in line)
    except OSError:
        return False
    if fields["State"].split()[0] in ("Z", "X"):
        return False
    return uid is None or int(fields["Uid"].split()[0]) == uid


def _session_members(sid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    members.append(int(entry))
            except OSError:
                continue
    return members


def _wipe(paths: list[str]) -> None:
    for folder in paths:
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            target = os.path.join(folder, name)
            try:
                if os.path.isdir(target) and not os.path.islink(target):
                    shutil.rmtree(target, ignore_errors=True)
                else:
                    os.unlink(target)
            except OSError:
                pass


def one_traceback_lexer() -> None:
    """Make stack_data highlight every traceback frame with one lexer class, not a new one each.

    Written against stack_data 0.6.3 and pygments 2.21. IPython formats a cell's error with
    stack_data, whose `_pygmented_with_ranges` defines a subclass of pygments' Python lexer
    inside the function, to mark the failing expression. Pygments compiles a lexer's token
    tables once per class, so every frame of every traceback compiled them again: 5 ms of a
    kernel's CPU per frame, most of what a cell that raises costs. This version keeps the
    marked ranges on the instance of one class defined once; the text it produces is the same
    (`tests/test_grading_kernels.py` compares both on real frames). The factory applies it
    before forking, so kernels inherit the compiled tables.
    """
    import pygments
    import stack_data.core
    from pygments.lexers import get_lexer_by_name

    class RangeLexer(type(get_lexer_by_name("python3"))):
        def __init__(self, ranges, **options):
            super().__init__(**options)
            self.ranges = ranges

        def get_tokens(self, text):
            length = 0
            for ttype, value in super().get_tokens(text):
                if any(start <= length < end for start, end in self.ranges):
                    ttype = ttype.ExecutingNode
                length += len(value)
                yield ttype, value

    def pygmented_with_ranges(formatter, code, ranges):
        try:
            highlighted = pygments.highlight(code, RangeLexer(ranges, stripnl=False), formatter)
        except Exception:  # noqa: BLE001 - as stack_data: plain code rather than no traceback
            highlighted = code
        return highlighted.splitlines()

    stack_data.core._pygmented_with_ranges = pygmented_with_ranges


def format_each_error_once() -> None:
    """Let IPython format a cell's error once where it formats it twice.

    Written against IPython 9.18. A cell that raises has its traceback formatted for the
    student to see (`showtraceback`) and then again, from the same exception, traceback and
    offset, to store with the history (`_format_exception_for_storage`): the same text at the
    same cost again, 2.4 ms of a forked kernel's CPU (5 ms in a plain shell). The formatter
    remembers the last exception it formatted (holding it, as `sys.last_value` does) and
    returns a copy of the same lines the second time; any other exception, offset, mode or
    theme is formatted afresh.
    """
    from IPython.core.ultratb import AutoFormattedTB

    structured = AutoFormattedTB.structured_traceback

    def structured_traceback(self, etype, evalue, etb=None, tb_offset=None, context=5):
        if etype is None:  # no exception given: IPython reads sys.exc_info() itself
            return structured(self, etype, evalue, etb, tb_offset, context)
        offset = self.tb_offset if tb_offset is None else tb_offset
        how = (offset, context, self.mode, getattr(self, "_theme_name", None))
        last = getattr(self, "_last_formatted", None)
        same = last and all(a is b for a, b in zip(last[0], (etype, evalue, etb), strict=True))
        if same and last[1] == how:  # identity: a student's exception may redefine ==
            self.tb = etb[0] if isinstance(etb, tuple) else etb  # as the original sets it
            return list(last[2])
        lines = structured(self, etype, evalue, etb, tb_offset, context)
        self._last_formatted = ((etype, evalue, etb), how, list(lines))
        return lines

    AutoFormattedTB.structured_traceback = structured_traceback


def _warm_tracebacks() -> None:
    """Format one traceback in the factory, with the formatter a kernel builds for its cells.

    IPython fills what its tracebacks need on first use: pygments compiles its Python lexer's
    token tables and the terminal formatter its styles, stack_data and inspect build their maps.
    In a forked kernel the first cell that raised cost 26 ms of CPU against 12 ms for each one
    after it (3 ms for `pass`), and nearly every submission has such a cell; this warm-up alone
    brought the first to 21 ms. Filled here, every kernel inherits them. What is shown is
    unchanged: these caches only hold what is computed the same way each time, and the
    warm-up's source, under a name no cell has, leaves linecache afterwards."""
    import linecache

    from IPython.core import ultratb
    from IPython.core.interactiveshell import InteractiveShell

    name = "<kernel factory warm-up>"
    source = "def answer(rows):\n    return rows['missing']\n\n\nanswer({})\n"
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    traits = InteractiveShell.class_traits()
    formatter = ultratb.AutoFormattedTB(
        mode=traits["xmode"].default_value,
        theme_name=traits["colors"].default_value,
        tb_offset=1,
    )
    try:
        exec(compile(source, name, "exec"), {})  # noqa: S102 - our own two lines
    except KeyError:
        formatter.structured_traceback(*sys.exc_info())
    finally:
        linecache.cache.pop(name, None)


def _warm_caches() -> None:
    """Fill, once in the factory, the caches every kernel would otherwise fill for itself.

    - `inspect.getmodule`, which IPython's traceback formatting calls, maps every loaded
      module's file the first time it runs (thousands of `lstat` calls with pandas loaded);
      each forked kernel inherits the filled map and only looks at modules it imports itself.
    - `gc.freeze()` moves everything imported so far out of the collector's reach: a forked
      kernel's collections then no longer walk (and so copy, page by page) the factory's
      objects. The factory keeps nearly all of them alive anyway. It does not collect first:
      the imports leave about 1,900 unreachable objects (about half a megabyte), and a
      collection over the 200,000 it holds cost 40-58 ms of each factory's start.
    """
    import inspect

    inspect.getmodule(compile("0", "<factory>", "eval"))
    gc.freeze()


def main() -> None:
    spec = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    # As ipykernel_launcher does: no working folder on sys.path while importing; the kernel's
    # InteractiveShellApp.init_path adds '' back in every forked kernel.
    if sys.path and (sys.path[0] == "" or os.path.abspath(sys.path[0]) == os.getcwd()):
        del sys.path[0]
    # The protocol keeps its own copies of stdin/stdout; the real fds 0 and 1 go nowhere, so a
    # library that prints while importing cannot corrupt the protocol.
    reader = os.fdopen(os.dup(0), "r", buffering=1)
    writer = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    loaded, failed = [], {}
    started = time.perf_counter()
    # Paused until `_warm_caches` freezes all of it, once, without a collection: enabled in
    # between, the collector would walk the 200,000 objects the imports left young.
    with collector_paused():
        for module in [*KERNEL_MODULES, *KERNEL_LATE_MODULES, *spec.get("preload", [])]:
            try:
                importlib.import_module(module)
                loaded.append(module)
            except Exception as err:  # noqa: BLE001 - a kernel will import it and fail visibly
                failed[module] = f"{type(err).__name__}: {err}"
        if spec.get("kernel_argv"):
            _parse_ahead(spec["kernel_argv"])
        one_traceback_lexer()
        format_each_error_once()
        _warm_tracebacks()
        if "mlops_course.grading.guard" in loaded:
            from mlops_course.grading import guard

            guard.record_ahead()
        _warm_caches()
    if spec.get("kernel_argv"):
        # Last, after every import the factory makes: a kernel uses the list only while
        # sys.modules holds as many modules as when it was made.
        _list_module_files()
    _set_nondumpable()
    factory = Factory(spec, reader, writer)
    factory.reply(
        {
            "ready": True,
            "pid": os.getpid(),
            "uid": os.getuid(),
            "loaded": loaded,
            "failed": failed,
            "parsed_ahead": _PARSED_ARGV is not None,
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    factory.serve()


if __name__ == "__main__":
    main()
