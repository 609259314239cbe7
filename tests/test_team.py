"""support/team.py on copies of the real notebooks and answers.md: it fills exactly the team table,
leaves every code cell and output as it was, and refuses (changing nothing) on bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.submission import PLACEHOLDER
from support.team import ANSWERS, NOTEBOOKS, main

ROOT = Path(__file__).resolve().parents[1]
FILES = (*NOTEBOOKS, ANSWERS)


@pytest.fixture
def checkout(tmp_path):
    for name in FILES:
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def contents(root: Path) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in FILES}


def first_markdown(nb: dict) -> int:
    return next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown")


def test_fills_all_three_files_and_nothing_else(checkout, capsys):
    before = {name: json.loads((checkout / name).read_text(encoding="utf-8")) for name in NOTEBOOKS}
    assert main(["--root", str(checkout), "Ada Lovelace, 123456", "  Alan  Turing ,654321 "]) == 0
    assert "now run: make pdf" in capsys.readouterr().out
    for name in FILES:
        text = (checkout / name).read_text(encoding="utf-8")
        assert PLACEHOLDER not in text, name  # leftover third row removed: make submission passes
    answers = (checkout / ANSWERS).read_text(encoding="utf-8")
    assert "| Ada Lovelace | 123456 |\n| Alan Turing | 654321 |\n\n" in answers
    original = (ROOT / ANSWERS).read_text(encoding="utf-8")
    assert answers.split("\n## ", 1)[1] == original.split("\n## ", 1)[1]  # the answers untouched
    for name in NOTEBOOKS:
        after = json.loads((checkout / name).read_text(encoding="utf-8"))
        i = first_markdown(after)
        source = "".join(after["cells"][i]["source"])
        assert "| Ada Lovelace | 123456 |\n| Alan Turing | 654321 |\n" in source
        # Everything except that one cell's source is identical, outputs and metadata included.
        after["cells"][i]["source"] = before[name]["cells"][i]["source"]
        assert after == before[name], name


def test_one_member_then_refuses_a_second_fill(checkout, capsys):
    assert main(["--root", str(checkout), "Ada Lovelace, 123456"]) == 0
    filled = contents(checkout)
    assert main(["--root", str(checkout), "Alan Turing, 654321"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no '| FILL IN | FILL IN |' row left" in err
    assert contents(checkout) == filled


@pytest.mark.parametrize("members, message", [
    ([], "give 1 to 3 members"),
    (["A, 1", "B, 2", "C, 3", "D, 4"], "give 1 to 3 members"),
    (["Ada Lovelace 123456"], "malformed member"),
    (["Ada Lovelace,"], "malformed member"),
    ([", 123456"], "malformed member"),
    (["Ada | Lovelace, 123456"], "malformed member"),
    (["Ada Lovelace, 12 34"], "malformed member"),
    (["Ada Lovelace, abc"], "malformed member"),
    (["Ada Lovelace, 123456", "Turing"], "malformed member"),
])
def test_refuses_bad_members_and_changes_nothing(checkout, capsys, members, message):
    before = contents(checkout)
    assert main(["--root", str(checkout), *members]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert contents(checkout) == before


def test_refuses_when_one_file_is_already_filled(checkout, capsys):
    answers = checkout / ANSWERS
    answers.write_text(answers.read_text(encoding="utf-8").replace("FILL IN", "Someone"), encoding="utf-8")
    before = contents(checkout)
    assert main(["--root", str(checkout), "Ada Lovelace, 123456"]) == 1
    assert "answers.md has no" in capsys.readouterr().err
    assert contents(checkout) == before  # the notebooks were not filled either


def test_command_line(checkout):
    proc = subprocess.run([sys.executable, "-m", "support.team", "Ada Lovelace, 123456"], cwd=checkout,
                          capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "| Ada Lovelace | 123456 |" in (checkout / ANSWERS).read_text(encoding="utf-8")
