"""support/submission.py on a fake checkout: what it refuses, and exactly what a good zip holds."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from support.submission import NOTEBOOKS, NotReady, build, main

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = {"answers.pdf", *NOTEBOOKS, "screenshots/losses.png", "screenshots/fixed_noise.png"}


def write_notebook(path: Path, team: str = "Ada Lovelace, 123456", executed: bool = True,
                   error: bool = False) -> None:
    code = new_code_cell("print('hi')", execution_count=1 if executed else None,
                         outputs=[new_output("stream", name="stdout", text="hi\n")] if executed else [])
    cells = [new_markdown_cell(f"# Task\n\nTeam: {team}"), code]
    if error:
        cells.append(new_code_cell("1/0", execution_count=2, outputs=[new_output(
            "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])]))
    nbformat.write(new_notebook(cells=cells), path)


@pytest.fixture
def project(tmp_path):
    """A checkout that is ready to submit, plus files that must stay out of the zip."""
    (tmp_path / "answers.md").write_text("# Home Assignment 02\n\n| Ada Lovelace | 123456 |\n")
    (tmp_path / "answers.pdf").write_bytes(b"%PDF-1.4 fake")
    newer = (tmp_path / "answers.md").stat().st_mtime + 10
    os.utime(tmp_path / "answers.pdf", (newer, newer))
    for name in NOTEBOOKS:
        write_notebook(tmp_path / name)
    (tmp_path / "screenshots").mkdir()
    for png in ("losses.png", "fixed_noise.png"):
        (tmp_path / "screenshots" / png).write_bytes(b"\x89PNG fake")
    (tmp_path / "screenshots" / "notes.txt").write_text("not a png")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "results.json").write_text("{}")
    return tmp_path


def refusal(root: Path) -> str:
    with pytest.raises(NotReady) as exc:
        build(root)
    assert not (root / "dist").exists() or not any((root / "dist").iterdir()), "wrote something anyway"
    return str(exc.value)


def test_ready_checkout_gives_exactly_the_expected_zip(project):
    target = build(project, name="team_x")
    assert target == project / "dist" / "team_x.zip"
    with zipfile.ZipFile(target) as zf:
        assert set(zf.namelist()) == EXPECTED
    assert [p.name for p in (project / "dist").iterdir()] == ["team_x.zip"]  # no temporary leftovers


def test_refuses_placeholder_in_answers(project):
    (project / "answers.md").write_text("| FILL IN | FILL IN |\n")
    os.utime(project / "answers.md", (0, 0))
    assert "answers.md still contains the team placeholder 'FILL IN'" in refusal(project)


def test_refuses_placeholder_in_a_notebook(project):
    write_notebook(project / NOTEBOOKS[0], team="FILL IN")
    assert f"{NOTEBOOKS[0]} still contains the team placeholder" in refusal(project)


def test_refuses_unexecuted_notebook(project):
    write_notebook(project / NOTEBOOKS[1], executed=False)
    assert f"{NOTEBOOKS[1]} has no saved outputs" in refusal(project)


def test_refuses_error_output(project):
    write_notebook(project / NOTEBOOKS[0], error=True)
    assert f"{NOTEBOOKS[0]} holds an error output (cell 3)" in refusal(project)


def test_refuses_missing_or_stale_pdf(project):
    old = (project / "answers.md").stat().st_mtime - 10
    os.utime(project / "answers.pdf", (old, old))
    assert "answers.pdf is older than answers.md (run: make pdf)" in refusal(project)
    (project / "answers.pdf").unlink()
    assert "answers.pdf is missing" in refusal(project)


def test_refuses_empty_screenshots(project):
    for png in (project / "screenshots").glob("*.png"):
        png.unlink()
    assert "screenshots/ holds no PNG" in refusal(project)


def test_message_lists_every_problem_in_one_paragraph(project):
    (project / NOTEBOOKS[1]).unlink()
    (project / "answers.pdf").unlink()
    message = refusal(project)
    assert "\n" not in message and message.endswith("pass --draft to pack a draft anyway.")
    assert f"{NOTEBOOKS[1]} is missing" in message and "answers.pdf is missing" in message


def test_draft_packs_anyway_under_a_draft_name(project, capsys):
    write_notebook(project / NOTEBOOKS[1], executed=False)
    assert main(["--root", str(project), "--draft"]) == 0
    assert f"warning: {NOTEBOOKS[1]} has no saved outputs" in capsys.readouterr().err
    with zipfile.ZipFile(project / "dist" / "home_assignment_02_DRAFT.zip") as zf:
        assert set(zf.namelist()) == EXPECTED


def test_zip_goes_to_the_given_folder(project, tmp_path_factory):
    dist = tmp_path_factory.mktemp("elsewhere") / "out"
    assert build(project, dist=dist) == dist / "home_assignment_02.zip"
    assert not (project / "dist").exists()


def test_command_line_refusal_has_no_traceback(project):
    (project / "screenshots" / "losses.png").unlink()
    (project / "screenshots" / "fixed_noise.png").unlink()
    proc = subprocess.run([sys.executable, "-m", "support.submission", "--root", str(project)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("Not building home_assignment_02.zip")
    assert not (project / "dist").exists()
