"""A class on one JupyterHub: the settings and the spawn hook that `hub/jupyterhub_config.py` uses.

The hub runs as root on one machine and starts each person's server as a Unix account of its
own, because nbgrader's exchange keeps students apart with Unix permissions: the inbound folder
lets everyone write and nobody but the instructor list, and a student's home is theirs alone.
Everything configurable comes from `HUB_*` environment variables, so the same config file serves
a class server and the round-trip test (`tests/test_hub.py`), which runs it on free ports in a
temporary folder.
"""

from __future__ import annotations

import grp
import os
import pwd
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_course import settings

HUB_DIR = settings.REPO_ROOT / "hub"
# Mode of the exchange's root folder: what `nbgrader release_assignment` itself sets (rwx for
# everyone), the `chmod ugo+rw` nbgrader's documentation asks for plus the search bit.
EXCHANGE_MODE = 0o777
COURSE_ID = "mlops-course"


class HubSetupError(RuntimeError):
    """The machine is not ready for the hub; the message says what to do."""


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


@dataclass(frozen=True)
class HubSettings:
    """What differs between one class server and another, read from `HUB_*` variables."""

    state_dir: Path = Path("/srv/jupyterhub")  # database, cookie secret, proxy pid
    exchange: Path = Path("/srv/nbgrader/exchange")
    homes: Path | None = None  # None: the system's default (/home)
    unix_group: str = "jupyterhub-users"  # every account the hub created, and only those
    spawner: str = "systemd"  # "systemd" (limits enforced) or "local" (a pilot, the test)
    ip: str = ""
    port: int = 8000
    api_port: int = 8081
    proxy_api_port: int = 8001
    instructors: list[str] = field(default_factory=list)
    roster: Path | None = None  # CSV with an `id` column: who may log in
    admin_token: str | None = None  # a service token for scripts that load the roster
    idle_timeout: int = 3600
    mem_limit: str = "3G"
    cpu_limit: float = 1.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> HubSettings:
        """Settings from the environment, the defaults for whatever is not set."""
        get = environ.get
        return cls(
            state_dir=Path(get("HUB_STATE_DIR", str(cls.state_dir))),
            exchange=Path(get("HUB_EXCHANGE", str(cls.exchange))),
            homes=Path(get("HUB_HOMES")) if get("HUB_HOMES") else None,
            unix_group=get("HUB_UNIX_GROUP", cls.unix_group),
            spawner=get("HUB_SPAWNER", cls.spawner),
            ip=get("HUB_IP", cls.ip),
            port=int(get("HUB_PORT", cls.port)),
            api_port=int(get("HUB_API_PORT", cls.api_port)),
            proxy_api_port=int(get("HUB_PROXY_API_PORT", cls.proxy_api_port)),
            instructors=_names(get("HUB_INSTRUCTORS", "")),
            roster=Path(get("HUB_ROSTER")) if get("HUB_ROSTER") else None,
            admin_token=get("HUB_ADMIN_TOKEN") or None,
            idle_timeout=int(get("HUB_IDLE_TIMEOUT", cls.idle_timeout)),
            mem_limit=get("HUB_MEM_LIMIT", cls.mem_limit),
            cpu_limit=float(get("HUB_CPU_LIMIT", cls.cpu_limit)),
        )

    def students(self) -> list[str]:
        """The roster's ids (the grading roster's format), minus the instructors."""
        if self.roster is None:
            return []
        if not self.roster.exists():
            raise HubSetupError(f"HUB_ROSTER names {self.roster}, which does not exist.")
        from mlops_course.grading.submissions import read_roster

        return [s for s in read_roster(self.roster) if s not in self.instructors]


def proxy_command() -> list[str]:
    """configurable-http-proxy as `./course setup` installs it (hub/node_modules), else PATH's."""
    local = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
    return [str(local)] if local.exists() else ["configurable-http-proxy"]


def prepare_exchange(root: Path) -> Path:
    """Create nbgrader's exchange folder with the mode nbgrader expects (see EXCHANGE_MODE)."""
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(EXCHANGE_MODE)
    return root


def ensure_unix_user(name: str, group: str, homes: Path | None = None) -> pwd.struct_passwd:
    """The Unix account of hub user `name`, created (with a private home) when missing.

    An existing account is used only when it belongs to `group`, the group of accounts the hub
    created: a hub user called `root` or `backup` must never get that system account's server.
    """
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        return _create_unix_user(name, group, homes)
    members = grp.getgrnam(group).gr_mem if _group_exists(group) else []
    if name not in members:
        raise HubSetupError(
            f"Hub user {name!r} matches the system account {name!r}, which the hub did not "
            f"create (it is not in the group {group!r}). Rename the hub user, or add the "
            f"account to the group if it really is this person's: usermod -aG {group} {name}"
        )
    return account


def _group_exists(group: str) -> bool:
    try:
        grp.getgrnam(group)
    except KeyError:
        return False
    return True


def _create_unix_user(name: str, group: str, homes: Path | None) -> pwd.struct_passwd:
    if os.geteuid() != 0:
        raise HubSetupError(
            f"The hub must run as root to create the account of {name!r} (and to start each "
            "server as its own user, which nbgrader's exchange relies on)."
        )
    if not _group_exists(group):
        subprocess.run(["groupadd", "--force", group], check=True)
    command = ["useradd", "--create-home", "--shell", "/bin/bash", "--groups", group]
    if homes is not None:
        homes.mkdir(parents=True, exist_ok=True)
        command += ["--home-dir", str(homes / name)]
    subprocess.run([*command, name], check=True, capture_output=True, text=True)
    account = pwd.getpwnam(name)
    # Private homes: a student's answers and nbgrader's submission cache live there.
    os.chmod(account.pw_dir, 0o700)
    return account


def user_environment(
    account: pwd.struct_passwd, instructor: bool, hub: HubSettings
) -> dict[str, str]:
    """The variables a person's server starts with: course paths, the exchange, the mode."""
    config_path = [str(HUB_DIR / "jupyter-config")]
    if not instructor:
        # The course's student mode (Binder's): Validate and the assignment list, no formgrader.
        config_path.append(str(settings.REPO_ROOT / "binder" / "student-mode"))
    return {
        "PATH": os.pathsep.join([str(Path(sys.prefix) / "bin"), "/usr/local/bin", "/usr/bin",
                                 "/bin"]),
        "JUPYTER_CONFIG_PATH": os.pathsep.join(config_path),
        "MLOPS_COURSE_HOME": str(settings.REPO_ROOT),
        "MLOPS_WORKSPACE": str(Path(account.pw_dir) / "workspace"),
        "HUB_EXCHANGE": str(hub.exchange),
        "HUB_ROLE": "instructor" if instructor else "student",
    }


def pre_spawn_hook(hub: HubSettings) -> Callable[[Any], None]:
    """JupyterHub's `Spawner.pre_spawn_hook`: the account exists, the environment is set."""

    def hook(spawner: Any) -> None:
        account = ensure_unix_user(spawner.user.name, hub.unix_group, hub.homes)
        groups = {group.name for group in spawner.user.groups}
        instructor = "instructors" in groups or spawner.user.name in hub.instructors
        spawner.environment.update(user_environment(account, instructor, hub))

    return hook


def instructor_scopes() -> list[str]:
    """What the `instructors` group may do on the hub: manage and open students' servers.

    Opening a server is checked by that server, which cannot tell who is in a group (JupyterHub
    warns "combinations of filters present, without db access" and refuses), so
    `access:servers` is not filtered: instructors may open any server, students none but their
    own. Everything the hub itself checks stays limited to the students group.
    """
    return [
        "admin-ui",
        "list:users!group=students",
        "read:users!group=students",
        "admin:servers!group=students",
        "read:groups!group=students",
        "access:servers",
    ]


IDLE_CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]
