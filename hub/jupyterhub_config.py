"""JupyterHub for a class on one machine (see hub/README.md for who runs what, in order).

    sudo HUB_INSTRUCTORS=alice HUB_ROSTER=/srv/roster.csv \\
        /opt/mlops-course/.venv/bin/jupyterhub -f /opt/mlops-course/hub/jupyterhub_config.py

Everything that differs between machines comes from `HUB_*` variables, read by
`mlops_course.hub.HubSettings` (its defaults are those of a class server). The round-trip test
runs this very file with HUB_SPAWNER=local, on free ports, in a temporary folder.
"""

import sys

from mlops_course import hub

c = get_config()  # noqa: F821 - provided by traitlets when JupyterHub loads this file

settings = hub.HubSettings.from_env()
settings.state_dir.mkdir(parents=True, exist_ok=True)
hub.prepare_exchange(settings.exchange)

# --- where the hub listens, and what it keeps -----------------------------------------------
# Public URL on HUB_PORT (put TLS in front: a reverse proxy with a certificate, or
# c.JupyterHub.ssl_cert/ssl_key). The hub's API and the proxy's API stay on loopback.
c.JupyterHub.bind_url = f"http://{settings.ip or '0.0.0.0'}:{settings.port}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{settings.api_port}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
c.ConfigurableHTTPProxy.command = hub.proxy_command()
c.ConfigurableHTTPProxy.pid_file = str(settings.state_dir / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{settings.state_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(settings.state_dir / "jupyterhub_cookie_secret")

# --- who may log in ---------------------------------------------------------------------------
# A pilot: the first-use authenticator. Each person on the roster picks a password at the first
# login; nobody else gets in. For a university's identity provider use OAuth instead
# (hub/README.md, "OAuth for a university"): only these lines change.
c.JupyterHub.authenticator_class = "firstuseauthenticator.FirstUseAuthenticator"
c.FirstUseAuthenticator.create_users = False
c.FirstUseAuthenticator.min_password_length = 10
c.FirstUseAuthenticator.dbm_path = str(settings.state_dir / "passwords.dbm")
c.Authenticator.allowed_users = set(settings.students()) | set(settings.instructors)

# --- groups and roles ---------------------------------------------------------------------------
# Instructors manage the students' servers (start, stop, open one to help), nothing else on the
# hub; the idle culler gets only the scopes it documents.
c.JupyterHub.load_groups = {
    "instructors": {"users": settings.instructors},
    "students": {"users": settings.students()},
}
roles = [
    {"name": "instructors", "description": "Manage and open the students' servers",
     "scopes": hub.instructor_scopes(), "groups": ["instructors"]},
    {"name": "idle-culler", "description": "Stop servers idle for HUB_IDLE_TIMEOUT seconds",
     "scopes": hub.IDLE_CULLER_SCOPES, "services": ["idle-culler"]},
]
services = [
    {"name": "idle-culler",
     "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                 f"--timeout={settings.idle_timeout}", "--cull-every=300"]},
]
if settings.admin_token:
    # A token for scripts that load the roster and start servers (the test uses it too).
    services.append({"name": "course-admin", "api_token": settings.admin_token})
    roles.append({"name": "course-admin", "description": "Load the roster, manage servers",
                  "scopes": ["admin:users", "admin:groups", "admin:servers", "tokens",
                             "access:servers"],
                  "services": ["course-admin"]})
c.JupyterHub.load_roles = roles
c.JupyterHub.services = services

# --- each person's server -------------------------------------------------------------------------
# JupyterLab, the course's Python, a Unix account per person (nbgrader's exchange depends on it),
# and the course's student mode for everyone who is not an instructor.
c.Spawner.cmd = [f"{sys.prefix}/bin/jupyterhub-singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.pre_spawn_hook = hub.pre_spawn_hook(settings)
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120
# Per-person limits, from the sizing in hub/README.md. SystemdSpawner enforces them with cgroups
# (MemoryMax, CPUQuota); LocalProcessSpawner only passes them on as MEM_LIMIT and CPU_LIMIT.
c.Spawner.mem_limit = settings.mem_limit
c.Spawner.cpu_limit = settings.cpu_limit

if settings.spawner == "local":
    c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
else:
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.dynamic_users = False  # real accounts: the exchange's permissions need them
    c.SystemdSpawner.isolate_tmp = True
    c.SystemdSpawner.isolate_devices = True
    c.SystemdSpawner.disable_user_sudo = True
    c.SystemdSpawner.unit_name_template = "jupyter-{USERNAME}-singleuser"
    if settings.homes is not None:
        c.SystemdSpawner.user_workingdir = str(settings.homes / "{USERNAME}")
