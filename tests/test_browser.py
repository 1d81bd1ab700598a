"""A student's first session, in a real browser: JupyterLab in headless Chromium.

Starts JupyterLab on a free port with a token (over a copy of the student-facing folders, so
nothing the browser does can write into the repository), runs every cell of the start-here
notebook, presses nbgrader's Validate on a lab release, and opens the MLflow UI through
jupyter-server-proxy, as a student on Binder would. Screenshots of each step are kept in
test-artifacts/browser/.
"""

from __future__ import annotations

import shutil

import mlflow
import pytest

from mlops_course import servers, settings

from .conftest import require_tool

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TOKEN = "browser-test-token"
CHROMIUM_ARGS = [
    "--no-sandbox",  # required as root; the page is our own localhost server
    "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
NOTEBOOK_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.model.cells;
  const result = {unrun: 0, problems: []};
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    if (!cell.executionCount) result.unrun++;
    for (const out of cell.outputs.toJSON()) {
      if (out.output_type === 'error' || (out.output_type === 'stream' && out.name === 'stderr'))
        result.problems.push(`cell ${i}: ${JSON.stringify(out).slice(0, 400)}`);
    }
  }
  result.kernel = panel.sessionContext.session.kernel.status;
  return result;
}"""

SHOW_FIRST_PLOT = """async () => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const cells = notebook.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const outputs = cells.get(i).type === 'code' ? cells.get(i).outputs.toJSON() : [];
    if (outputs.some(o => o.data && o.data['image/png'])) {
      notebook.activeCellIndex = i;
      await notebook.scrollToItem(i, 'center');
      return i;
    }
  }
  return -1;
}"""


@pytest.fixture(scope="module")
def student_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("student")
    for folder in ("sprints", "labs", "datasets"):
        shutil.copytree(settings.REPO_ROOT / folder, root / folder)
    return root


@pytest.fixture(scope="module")
def jupyterlab(student_root, tmp_path_factory):
    layouts = tmp_path_factory.mktemp("lab-workspaces")  # no tabs restored from earlier runs
    command = servers.python_command(
        "jupyter", "lab", "--no-browser", "--allow-root", "--port={port}", "--port-retries=0",
        f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={student_root}",
        "--LabApp.expose_app_in_browser=True",  # lets the test read notebook state
        f"--LabApp.workspaces_dir={layouts}",
    )
    # As `./course lab` starts it for students: nbgrader's instructor tools hidden, like Binder.
    env = {"JUPYTER_CONFIG_PATH": str(settings.REPO_ROOT / "binder" / "student-mode")}
    with servers.BackgroundServer(
        command, ready_path="/api/status", name="jupyter lab", env=env
    ) as srv:
        yield srv
    assert servers.port_is_free(srv.port)


@pytest.fixture(scope="module")
def browser():
    executable = require_tool("chromium", "Debian's chromium drives the browser test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, artifacts):
    shots = artifacts / "browser"
    shots.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.shots = shots
    yield page
    context.close()


def open_notebook(page, server, path: str) -> None:
    # `reset` drops the layout saved by an earlier test, so no other notebook (with its own
    # toolbar and Validate button) is open behind this one.
    page.goto(f"{server.url}/lab/tree/{path}?reset&token={TOKEN}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    # A panel is usable once its document is loaded and revealed (the loading spinner, which
    # swallows clicks, is gone) and its kernel session exists.
    page.wait_for_function(
        """(path) => {
            const panel = window.jupyterapp?.shell.currentWidget;
            return panel?.context?.path === path && panel.context.isReady && panel.isRevealed
                && panel.sessionContext?.session?.kernel;
        }""",
        arg=path,
        timeout=90_000,
    )
    page.locator(".jp-NotebookPanel .jp-Spinner").wait_for(state="detached", timeout=90_000)


def test_start_here_runs_every_cell_without_errors(page, jupyterlab):
    open_notebook(page, jupyterlab, "sprints/00-start-here/00-start-here.ipynb")
    # The command's promise resolves once every cell has run.
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(f"() => ({NOTEBOOK_STATE})().kernel === 'idle'", timeout=180_000)
    state = page.evaluate(NOTEBOOK_STATE)
    page.evaluate(SHOW_FIRST_PLOT)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(page.shots / "01-start-here-all-cells-run.png"))
    assert state["unrun"] == 0, f"{state['unrun']} code cells did not run"
    assert not state["problems"], "error or warning output:\n" + "\n".join(state["problems"])


def test_validate_button_reports_on_a_lab_release(page, jupyterlab, student_root):
    releases = sorted((student_root / "labs").glob("*/*.ipynb"))
    assert releases, "no lab release in labs/: run `mlops-course release`"
    lab = releases[0].relative_to(student_root)
    open_notebook(page, jupyterlab, str(lab))
    page.get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=120_000)
    page.wait_for_function(
        "() => !document.querySelector('.jp-Dialog').innerText.includes('Validating')",
        timeout=180_000,
    )
    text = dialog.inner_text()
    page.screenshot(path=str(page.shots / "02-validate-blank-lab.png"))
    assert "Validation Results" in text
    # A blank release cannot pass: the student is told which tests fail.
    assert "Success" not in text, text
    # Students see Validate, not the instructor tools.
    assert page.get_by_text("Create Assignment").count() == 0


def test_mlflow_ui_opens_through_the_server_proxy(page, jupyterlab, tmp_path):
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(store)
    experiment = mlflow.set_experiment("browser-check")
    with mlflow.start_run(run_name="baseline-heuristic"):
        mlflow.log_metric("rmse", 123.4)
    command = servers.python_command(
        "mlflow", "server", "--backend-store-uri", store, "--default-artifact-root",
        str(tmp_path / "artifacts"), "--host", "127.0.0.1", "--port", "{port}", "--workers", "1",
    )
    with servers.BackgroundServer(command, ready_path="/health", ready_timeout=120) as ui:
        page.goto(f"{jupyterlab.url}/lab?token={TOKEN}")  # the proxy uses the lab's login
        page.goto(
            f"{jupyterlab.url}/proxy/{ui.port}/#/experiments/{experiment.experiment_id}/runs"
        )
        page.get_by_text("baseline-heuristic").first.wait_for(timeout=60_000)
        page.screenshot(path=str(page.shots / "03-mlflow-runs-through-proxy.png"))
    assert servers.port_is_free(ui.port)
