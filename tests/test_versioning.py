"""git and DVC driven from Python: commands shown, failures explained, folders in the workspace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlops_course import versioning

from .conftest import require_tool


def test_fresh_folder_only_empties_folders_inside_the_workspace(workspace: Path, tmp_path: Path):
    inside = workspace / "demo"
    (inside / "old").mkdir(parents=True)
    assert list(versioning.fresh_folder(inside).iterdir()) == []
    with pytest.raises(versioning.VersioningError, match="outside the workspace"):
        versioning.fresh_folder(tmp_path / "elsewhere")


def test_a_failing_command_raises_with_its_output(workspace: Path, capsys):
    require_tool("git", "sprint 01 versions data in a git repository")
    with pytest.raises(versioning.VersioningError, match="not a git repository"):
        versioning.run("git", "log", cwd=workspace)
    versioning.run("git", "--version", cwd=workspace)
    assert capsys.readouterr().out.startswith("$ git --version\ngit version")


def test_spinner_and_escape_codes_are_removed_from_output():
    assert versioning._clean("\x1b[?25l\u280b Checking graph\n\x1b[?25h\nSetting 'local'") == (
        "Setting 'local'"
    )


@pytest.mark.slow
def test_a_file_added_to_dvc_is_pushed_to_a_local_remote_and_restored(workspace: Path):
    require_tool("git", "sprint 01 versions data in a git repository")
    repo = versioning.fresh_folder(workspace / "repo")
    remote = versioning.fresh_folder(workspace / "remote")
    versioning.run("git", "init", "--quiet", cwd=repo)
    versioning.run("dvc", "init", "--quiet", cwd=repo)
    versioning.run("dvc", "remote", "add", "--default", "local", str(remote), cwd=repo)
    (repo / "data.csv").write_text("a,b\n1,2\n")
    versioning.run("dvc", "add", "--quiet", "data.csv", cwd=repo)
    versioning.run("git", "add", ".", cwd=repo)
    versioning.run("git", "commit", "--quiet", "-m", "v1", cwd=repo)
    versioning.run("dvc", "push", "--quiet", cwd=repo)
    md5 = versioning.dvc_md5(repo / "data.csv.dvc")
    assert (remote / "files" / "md5" / md5[:2] / md5[2:]).is_file()
    assert len(versioning.git_head(repo)) == 40
    (repo / "data.csv").unlink()
    shutil.rmtree(repo / ".dvc" / "cache")
    versioning.run("dvc", "pull", "--quiet", cwd=repo)  # back from the remote
    assert (repo / "data.csv").read_text() == "a,b\n1,2\n"
    assert (workspace / "dvc-site-cache").is_dir()  # DVC's index stays in the workspace
