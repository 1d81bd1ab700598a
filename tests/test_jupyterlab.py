"""JupyterLab starts headless from the course environment, serves the lab, and stops cleanly."""

from __future__ import annotations

import httpx
import pytest

from mlops_course import servers, settings

TOKEN = "course-test-token"


def jupyterlab_command() -> list[str]:
    return servers.python_command(
        "jupyter", "lab", "--no-browser", "--allow-root", "--port={port}", "--port-retries=0",
        f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={settings.REPO_ROOT}",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class="
        "jupyterlab.NeverCheckForUpdate",
    )


@pytest.mark.slow
def test_jupyterlab_serves_status_and_lab_then_frees_its_port(free_port, workspace):
    server = servers.BackgroundServer(
        jupyterlab_command(), port=free_port, ready_path="/api/status", name="jupyter lab",
    )
    with server:
        headers = {"Authorization": f"token {TOKEN}"}
        status = httpx.get(f"{server.url}/api/status", headers=headers, timeout=10)
        assert status.status_code == 200, status.text
        lab = httpx.get(f"{server.url}/lab", headers=headers, timeout=10)
        assert lab.status_code == 200
        assert "JupyterLab" in lab.text
        notebook = httpx.get(
            f"{server.url}/api/contents/sprints/00-start-here/00-start-here.ipynb",
            headers=headers, timeout=10,
        )
        assert notebook.status_code == 200
    assert servers.port_is_free(free_port), "JupyterLab left its port open after stopping"


def test_servers_refuse_an_occupied_port_with_a_clear_message():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(servers.ServerError, match=f"Port {port} is already in use"):
            servers.BackgroundServer(["true"], port=port)


def test_a_server_that_dies_at_start_shows_its_output():
    command = servers.python_command("http.server", "--bind", "no-such-host.invalid", "{port}")
    with pytest.raises(servers.ServerError, match="exited with code"):
        servers.BackgroundServer(command, ready_timeout=20).start()
