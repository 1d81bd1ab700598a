"""`mlops-course release`: labs/ generated from solutions/, deterministic, leaking nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mlops_course.cli import main
from mlops_course.grading import release, soundness
from mlops_course.grading.lab import find_labs

LABS = find_labs()


@pytest.mark.parametrize("lab", LABS, ids=[lab.name for lab in LABS])
def test_labs_are_up_to_date_with_solutions(lab):
    stale = release.stale(lab)
    assert not stale, "\n".join(stale) + "\nRun `mlops-course release` and commit labs/."


def test_release_is_byte_for_byte_deterministic(warmup_lab, tmp_path):
    first = release.generate(warmup_lab, tmp_path / "a").folder
    second = release.generate(warmup_lab, tmp_path / "b").folder
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir()) == ["warmup.ipynb"]
    assert (first / "warmup.ipynb").read_bytes() == (second / "warmup.ipynb").read_bytes()


def test_release_leaks_no_solution_hidden_test_or_mutant(warmup_lab, tmp_path):
    fresh = release.generate(warmup_lab, tmp_path).folder
    assert soundness.leaks(warmup_lab, fresh) == []
    assert not (warmup_lab.release_dir / "mutants").exists()


def test_release_check_command_reports_up_to_date(capsys):
    assert main(["release", "--check", "00-start-here"]) == 0
    assert "labs/ is up to date for 1 lab(s): 00-start-here." in capsys.readouterr().out


def test_grading_an_assignment_without_a_release_warns_of_nothing(warmup_lab, tmp_path):
    """Issue 21: a lab is compared with its release only when there is one."""
    import shutil

    from mlops_course.grading import run
    from mlops_course.grading.lab import get_lab

    shutil.copytree(warmup_lab.source_dir, tmp_path / "source" / "ps1")
    lab = get_lab("ps1", tmp_path / "source", tmp_path / "release")
    assert not lab.release_dir.exists()
    _, stale = run.bundle_for(lab, run.Options())
    assert stale == []
    # Once released, an edited or missing notebook is still reported.
    lab.release_dir.mkdir(parents=True)
    (lab.release_dir / "warmup.ipynb").write_text("{}")
    _, stale = run.bundle_for(lab, run.Options())
    assert len(stale) == 1 and "release/ps1/warmup.ipynb differs" in stale[0]
    (lab.release_dir / "warmup.ipynb").write_bytes(warmup_lab.release_path("warmup").read_bytes())
    assert run.bundle_for(lab, run.Options())[1] == []


def test_the_command_says_what_is_wrong_without_a_traceback():
    # The console script, as instructors run it: `run`, then `main`, then the exit code.
    script = Path(sys.executable).parent / "mlops-course"
    done = subprocess.run(
        [str(script), "release", "--check", "no-such-lab"], capture_output=True, text=True
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: No lab called 'no-such-lab' in "), done.stderr
    assert "Traceback" not in done.stderr and "00-start-here" in done.stderr
