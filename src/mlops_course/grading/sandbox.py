"""The grading sandbox: bubblewrap around the kernel factory, and resource limits on every kernel.

Where bubblewrap (`bwrap`) is installed, each grading worker starts one sandbox:
    - a read-only system: /usr, /etc, the Python installation, the course's .venv and the
      repository are bound read-only; solutions/, grading/, workspace/, .git and every folder
      the run names as private (the submissions, the output with the gradebook) are hidden;
    - the student's folder (`/home/student/<lab>`, a private copy of the submission) is the only
      writable place besides a private /tmp and /dev/shm, and all three are emptied between
      two students;
    - no network: a network namespace of its own with only its own loopback (a lab whose
      metadata says `"network": "host"` shares the machine's network instead);
    - its own process, IPC and hostname namespaces; it dies with the worker.
When the worker runs as root, every kernel runs as an unprivileged user of its own (so the
process limit applies and the kernel cannot touch the factory); otherwise kernels run as the
grader's user inside a user namespace.

Every kernel gets limits whether or not bubblewrap is there: memory (address space), CPU time,
processes and threads, file size, and the grader keeps at most `output_bytes` of printed output
per cell. The worker adds a wall-clock budget per submission and a memory watchdog. Without
bubblewrap the limits still apply but the sandbox is off: the grading report says so.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from mlops_course import settings
from mlops_course.grading import GradingError
from mlops_course.grading.streams import OUTPUT_CAP_ENV, STREAMS_ENV, kernel_arguments

HOME_INSIDE = "/home/student"
RUN_INSIDE = "/run/kernel"
HIDDEN_REPO_FOLDERS = ("solutions", "grading", "workspace", ".git")
FIRST_KERNEL_UID = 200_000  # kernels' uids when grading as root: far from real accounts


_SANDBOXES = itertools.count()


class SandboxError(GradingError, RuntimeError):
    """The sandbox could not start or stopped answering (the message says what to do)."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's kernel."""

    wall_seconds: float = 180.0  # whole submission, measured by the worker
    cell_seconds: int = 30  # nbgrader's Execute.timeout: a cell running longer is interrupted
    memory_mb: int = 2048  # address space a kernel may add to what the factory already holds
    cpu_seconds: int | None = None  # default: wall_seconds
    processes: int = 128  # processes and threads of the kernel's user
    file_mb: int = 64  # largest file a kernel may write
    output_bytes: int = 1_000_000  # printed output kept per cell; the rest is dropped
    network: str = "none"  # "none" or "host"

    def for_kernel(self) -> dict[str, int | None]:
        return {
            "memory_bytes": self.memory_mb * 1024 * 1024,
            "cpu_seconds": int(self.cpu_seconds or self.wall_seconds) + 1,
            "file_bytes": self.file_mb * 1024 * 1024,
            "processes": self.processes,
        }


def bwrap() -> str | None:
    """Path of bubblewrap, or None when it is not installed (or GRADING_SANDBOX=off)."""
    if os.environ.get("MLOPS_GRADING_SANDBOX", "").lower() == "off":
        return None
    return shutil.which("bwrap")


def _user_tasks(uid: int) -> int:
    """How many processes and threads `uid` runs now (what RLIMIT_NPROC counts)."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                count += int(fields["Threads"].strip())
        except (OSError, KeyError, ValueError):
            continue
    return count


@dataclass
class KernelHandle:
    """A kernel the factory forked: its pid inside the sandbox and how to connect to it."""

    pid: int
    connection: dict
    spawned: float
    user: int | None
    used: bool = False


@dataclass
class Sandbox:
    """One worker's sandbox with its kernel factory. Not thread-safe across workers: one each."""

    lab: str
    limits: Limits = field(default_factory=Limits)
    preload: tuple[str, ...] = ()
    private: tuple[Path, ...] = ()  # folders student code must not see (submissions, output)
    use_bwrap: bool | None = None  # None: when installed
    # "course": warnings and log records on stderr cost nothing (`streams`); "nbgrader": as
    # stock nbgrader rules, for a course whose own kernels do not load that policy.
    streams: str = "course"
    # False: the factory leaves the kernels' command line and module list to each kernel, as
    # before it built them once (benchmarks/grading_course.py --kernel-start compares both).
    ahead: bool = True

    def __post_init__(self) -> None:
        self.bwrap = bwrap() if self.use_bwrap in (None, True) else None
        if self.use_bwrap and not self.bwrap:
            raise SandboxError("bubblewrap was requested but `bwrap` is not installed.")
        self.as_root = os.getuid() == 0
        where = scratch_root()
        for folder in {where, None}:
            reap_stale_folders("mlops-grade-", folder)
        self.scratch = Path(tempfile.mkdtemp(prefix=f"mlops-grade-{os.getpid()}-", dir=where))
        self.host_home = self.scratch / "home"
        self.host_run = self.scratch / "run"
        for folder in (self.host_home, self.host_run):
            folder.mkdir(mode=0o755)
        self.kernel_uid = self._pick_uid() if (self.bwrap and self.as_root) else None
        self.process: subprocess.Popen | None = None
        self._owner = os.getpid()
        self.factory: dict = {}
        self.factory_host_pid: int | None = None
        self._lock = threading.Lock()
        self._stderr = open(self.scratch / "factory.log", "ab")  # noqa: SIM115 - lives with us

    # --- where things are --------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self.bwrap is not None

    def describe(self) -> str:
        """One line for reports: is student code sandboxed, and how."""
        if self.enabled:
            who = (
                f"uid {self.kernel_uid}"
                if self.kernel_uid
                else "the grader's uid in a user namespace"
            )
            net = "no network" if self.limits.network == "none" else "host network"
            return f"bubblewrap ({net}, kernels as {who})"
        why = (
            "bubblewrap (bwrap) is not installed"
            if not shutil.which("bwrap")
            else "it was turned off (--sandbox off or MLOPS_GRADING_SANDBOX=off)"
        )
        return (
            f"off: {why}, so student code could read other files and use the network; "
            "resource limits still applied"
        )

    @property
    def home(self) -> str:
        return HOME_INSIDE if self.enabled else str(self.host_home)

    @property
    def run_dir(self) -> str:
        return RUN_INSIDE if self.enabled else str(self.host_run)

    def lab_dir_host(self) -> Path:
        return self.host_home / self.lab

    def lab_dir_inside(self) -> str:
        return f"{self.home}/{self.lab}"

    def _pick_uid(self) -> int:
        # Unique on this machine while the sandbox lives: from this process's pid and a counter.
        return FIRST_KERNEL_UID + os.getpid() * 32 + next(_SANDBOXES) % 32

    # --- starting and stopping ---------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        venv_bin = str(Path(sys.executable).parent)
        home = self.home
        return {
            "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
            "HOME": home,
            "USER": "student",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TMPDIR": "/tmp",
            "MLOPS_COURSE_HOME": str(settings.REPO_ROOT),
            "MLOPS_WORKSPACE": f"{home}/workspace",
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": f"{home}/.config/matplotlib",
            "IPYTHONDIR": f"{home}/.ipython",
            "JUPYTER_CONFIG_DIR": f"{home}/.jupyter",
            "JUPYTER_DATA_DIR": f"{home}/.local/share/jupyter",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "MALLOC_ARENA_MAX": "2",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NUMEXPR_MAX_THREADS": "1",
            "NBGRADER_EXECUTION": "autograde",
        }

    def command(self) -> list[str]:
        spec = json.dumps(
            {
                "preload": list(self.preload),
                "pid_namespace": self.enabled,
                "kernel_argv": self.kernel_argv() if self.ahead else None,
            }
        )
        factory = [sys.executable, "-m", "mlops_course.grading.kernels", spec]
        if not self.enabled:
            return factory
        args = [self.bwrap, *self._isolation(), *_system_binds()]
        binds, bound = _course_binds()
        args += binds + self._hidden(bound)
        args += [
            *_parents(Path(HOME_INSIDE)),
            *_parents(Path(RUN_INSIDE)),
            "--bind",
            str(self.host_home),
            HOME_INSIDE,
            "--bind",
            str(self.host_run),
            RUN_INSIDE,
            "--chdir",
            HOME_INSIDE,
            "--clearenv",
        ]
        for key, value in self.environment().items():
            args += ["--setenv", key, value]
        args += ["--remount-ro", "/", "--"]
        return args + factory

    def _isolation(self) -> list[str]:
        """bwrap's namespaces, network and capabilities for this sandbox."""
        args = [
            "--die-with-parent",
            "--new-session",
            "--unshare-ipc",
            "--unshare-pid",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--hostname",
            "grading-sandbox",
        ]
        if self.limits.network != "host":
            args.append("--unshare-net")
        if self.as_root:
            # Real root outside: drop every capability but those the factory needs to run
            # each kernel as its own unprivileged user and to stop all of them afterwards.
            args += ["--cap-drop", "ALL"]
            for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_KILL"):
                args += ["--cap-add", cap]
        else:
            args += ["--unshare-user", "--disable-userns"]
        return args

    def _hidden(self, bound: list[Path]) -> list[str]:
        """Empty folders and files over everything students must not see inside the binds."""
        args: list[str] = []
        hidden = [settings.REPO_ROOT / name for name in HIDDEN_REPO_FOLDERS]
        hidden.append(settings.WORKSPACE)
        hidden += [Path(p).resolve() for p in self.private]
        for path in sorted(set(hidden)):
            if path.is_dir() and any(path == b or b in path.parents for b in bound):
                args += ["--tmpfs", str(path)]
            elif path.is_file() and any(b in path.parents for b in bound):
                args += ["--ro-bind", "/dev/null", str(path)]
        return args

    def start(self, timeout: float = 120.0) -> dict:
        """Start the sandbox and its factory; return the factory's hello (what it imported)."""
        self.launch()
        return self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the sandbox and its factory without waiting for the factory's imports."""
        if self.alive():
            return
        self.factory = {}
        self._owner = os.getpid()
        env = None if self.enabled else {**os.environ, **self.environment()}
        cwd = None if self.enabled else str(self.host_home)
        self.process = subprocess.Popen(
            self.command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            cwd=cwd,
            start_new_session=True,
            text=True,
            bufsize=1,
        )

    def wait_ready(self, timeout: float = 120.0) -> dict:
        """Wait until the factory has imported everything and says hello."""
        if self.factory:
            return self.factory
        hello = self._read(timeout)
        if not hello.get("ready"):
            raise SandboxError(f"the kernel factory did not start: {hello}. Log: {self.log_tail()}")
        self.factory = hello
        self.factory_host_pid = self._find_factory()
        return hello

    def _find_factory(self) -> int | None:
        import psutil

        if not self.enabled:
            return self.process.pid
        # bubblewrap's own init process (pid 1 inside) is a copy of bwrap and carries the same
        # command line, the factory's included: match the factory's command itself.
        factory = self.command()[-4:-1]  # python -m mlops_course.grading.kernels
        try:
            for proc in psutil.Process(self.process.pid).children(recursive=True):
                if proc.cmdline()[:3] == factory:
                    return proc.pid
        except psutil.Error:
            return None
        return None

    def log_tail(self, size: int = 3000) -> str:
        self._stderr.flush()
        return (self.scratch / "factory.log").read_text(errors="replace")[-size:]

    def alive(self) -> bool:
        if self.process is None:
            return False
        if self._owner == os.getpid():
            return self.process.poll() is None
        # Adopted by a forked worker: the sandbox is not its child, so poll() cannot tell.
        try:
            with open(f"/proc/{self.process.pid}/stat") as fh:
                return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except OSError:
            return False

    def close(self) -> None:
        """Stop the sandbox and everything in it; remove its scratch folder."""
        if self.process is not None:
            if self.alive():
                with contextlib.suppress(OSError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=10)
            for stream in (self.process.stdin, self.process.stdout):
                with contextlib.suppress(OSError):
                    stream.close()
            self.process = None
        if self.kernel_uid is not None:
            _kill_uid(self.kernel_uid)
        self._stderr.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def restart(self) -> dict:
        """Throw the sandbox away (a kernel broke the factory) and start a fresh one."""
        if self.process is not None and self.alive():
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired, ChildProcessError):
                self.process.wait(timeout=10)
        self.process = None
        if self.kernel_uid is not None:
            _kill_uid(self.kernel_uid)
        return self.start()

    # --- talking to the factory --------------------------------------------------------------

    def _read(self, timeout: float) -> dict:
        assert self.process is not None and self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise SandboxError(f"the kernel factory did not answer in {timeout:.0f} s")
        line = self.process.stdout.readline()
        if not line:
            raise SandboxError(f"the kernel factory stopped. Log: {self.log_tail()}")
        return json.loads(line)

    def request(self, message: dict, timeout: float = 30.0) -> dict:
        with self._lock:
            if not self.alive():
                raise SandboxError("the sandbox is not running")
            assert self.process is not None and self.process.stdin is not None
            try:
                self.process.stdin.write(json.dumps(message) + "\n")
                self.process.stdin.flush()
            except (BrokenPipeError, OSError) as err:
                raise SandboxError(f"the kernel factory stopped: {err}") from err
            reply = self._read(timeout)
        if "error" in reply:
            raise SandboxError(
                f"the kernel factory failed to {message.get('op')}: {reply['error']}"
            )
        return reply

    # --- kernels -----------------------------------------------------------------------------

    def _prepare_folders(self) -> None:
        for folder in (self.host_home, self.host_run):
            for child in folder.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        self.lab_dir_host().mkdir(parents=True)
        (self.host_home / "workspace").mkdir()
        if self.kernel_uid is not None:
            for path in (
                self.host_home,
                self.host_run,
                self.lab_dir_host(),
                self.host_home / "workspace",
            ):
                os.chown(path, self.kernel_uid, self.kernel_uid)

    def kernel_argv(self) -> list[str]:
        """Every kernel's command line: the same for each, so the factory parses it once."""
        return [
            "-f",
            f"{self.run_dir}/kernel.json",
            "--HistoryManager.hist_file=:memory:",
            *kernel_arguments(),
        ]

    def spawn(self) -> KernelHandle:
        """Fork a fresh kernel in an empty student folder; it is used for one notebook only."""
        if not self.alive():
            self.start()
        self.wait_ready()
        self._prepare_folders()
        key = secrets.token_hex(16)
        ports = {"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5}
        inside = {
            "transport": "ipc",
            "ip": f"{self.run_dir}/kernel",
            "key": key,
            "signature_scheme": "hmac-sha256",
            "kernel_name": "python3",
            **ports,
        }
        connection_file = self.host_run / "kernel.json"
        connection_file.write_text(json.dumps(inside))
        if self.kernel_uid is not None:
            os.chown(connection_file, self.kernel_uid, self.kernel_uid)
        limits = self.limits.for_kernel()
        if not self.as_root and limits.get("processes"):
            limits["processes"] = int(limits["processes"]) + _user_tasks(os.getuid())
        reply = self.request(
            {
                "op": "spawn",
                "argv": self.kernel_argv(),
                "cwd": self.lab_dir_inside(),
                "log": f"{self.run_dir}/kernel.log",
                "limits": limits,
                "uid": self.kernel_uid,
                "env": {
                    OUTPUT_CAP_ENV: str(self.limits.output_bytes),
                    STREAMS_ENV: self.streams,
                },
            }
        )
        host = {**inside, "ip": str(self.host_run / "kernel")}
        return KernelHandle(int(reply["pid"]), host, time.perf_counter(), self.kernel_uid)

    def status(self, handle: KernelHandle) -> dict:
        return self.request({"op": "status", "pid": handle.pid})

    def signal(self, handle: KernelHandle, sig: int) -> None:
        self.request({"op": "signal", "pid": handle.pid, "signal": int(sig)})

    def cleanup(self, handle: KernelHandle | None = None) -> None:
        """Kill every process student code started and empty its folders; restart if broken."""
        wipe = ["/tmp", "/dev/shm", self.home] if self.enabled else [str(self.host_home)]
        try:
            self.request(
                {
                    "op": "cleanup",
                    "uid": self.kernel_uid,
                    "wipe": wipe,
                    "sessions": [handle.pid] if handle else [],
                },
                timeout=30,
            )
        except SandboxError:
            self.restart()

    def kernel_processes(self) -> list:
        """The host's view of every process in the sandbox except the factory (and bwrap)."""
        import psutil

        if self.process is None or self.factory_host_pid is None:
            return []
        try:
            return psutil.Process(self.factory_host_pid).children(recursive=True)
        except psutil.Error:
            return []

    def kernel_log(self) -> str:
        path = self.host_run / "kernel.log"
        return path.read_text(errors="replace") if path.exists() else ""


# Free space /dev/shm needs before it holds the sandboxes' folders (a container's 64 MB
# default does not qualify: student files there would run out of room long before a disk).
SHM_SCRATCH_MIN_BYTES = 2 * 1024**3


def scratch_root() -> Path | None:
    """Where a sandbox keeps its student folder and kernel files: /dev/shm when it is a roomy
    memory-backed file system, else the default temporary folder (None).

    Every kernel creates its IPython profile folder and its files in the student folder, and the
    cleanup between two kernels deletes them. On a disk those deletions cost milliseconds each
    (an ext4 root mounted with `discard` took 24 ms to delete a fresh `.ipython` folder, against
    0.05 ms on /dev/shm; benchmarks/README.md). Memory-backed storage adds no new way to fill
    memory: the sandbox's own /tmp and /dev/shm already are."""
    shm = Path("/dev/shm")
    try:
        stats = os.statvfs(shm)
    except OSError:
        return None
    if not os.access(shm, os.W_OK) or stats.f_bavail * stats.f_frsize < SHM_SCRATCH_MIN_BYTES:
        return None
    return shm


def reap_stale_folders(prefix: str, folder: Path | None = None) -> None:
    """Remove `<prefix><pid>-*` folders of ours whose process is gone (a killed worker's)."""
    folder = Path(folder or tempfile.gettempdir())
    for path in folder.glob(f"{prefix}*-*"):
        owner = path.name[len(prefix) :].split("-", 1)[0]
        if not owner.isdigit() or Path(f"/proc/{owner}").exists():
            continue
        try:
            if path.stat().st_uid == os.getuid():
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


def _parents(path: Path) -> list[str]:
    """bwrap creates missing parents of a mount point as 0700: create them as 0755 first."""
    args: list[str] = []
    for parent in reversed(path.parents[:-1]):
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _system_binds() -> list[str]:
    """The read-only system, /proc, /dev and the private, world-writable /tmp and /dev/shm."""
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    # The private /tmp comes before the course's own binds: a checkout under /tmp (as in
    # a CI clone) must stay visible inside, not be covered by the empty tmpfs.
    # Both are world-writable and sticky, like on a host: the kernels run under their own
    # uid, and libraries (tempfile, joblib, matplotlib) need somewhere to write.
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--tmpfs", "/dev/shm"]
    return args


def _course_binds() -> tuple[list[str], list[Path]]:
    """Python and the repository, read-only; and every folder now bound (for `_hidden`)."""
    args: list[str] = []
    bound: list[Path] = [Path("/usr")]
    wanted = {Path(sys.base_prefix), Path(sys.prefix), settings.REPO_ROOT}
    for path in sorted({p.resolve() for p in wanted}, key=lambda p: len(p.parts)):
        if any(path == b or b in path.parents for b in bound):
            continue
        args += _parents(path) + ["--ro-bind", str(path), str(path)]
        bound.append(path)
    for path in wanted:
        if path.is_symlink():
            args += ["--symlink", str(path.resolve()), str(path)]
    return args, bound


def _kill_uid(uid: int) -> None:
    """Kill every process of `uid` (only ever a kernels' uid of ours, when grading as root)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
