"""Every server on the hub loads this (JUPYTER_CONFIG_PATH, set by the hub's spawn hook).

Terminals start bash as an ordinary interactive shell, not a login shell: a login shell reads
/etc/profile, which resets PATH and hides the course's commands (nbgrader, mlops-course).
"""

c = get_config()  # noqa: F821 - provided by traitlets when Jupyter loads this file

c.ServerApp.terminado_settings = {"shell_command": ["/bin/bash"]}
