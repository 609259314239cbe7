"""Fill the team table (names and matriculation numbers) at the top of both notebooks and answers.md.

The task sheet wants every member's name and matriculation number at the top of the PDF and of each
notebook. The three files ship with placeholder rows ``| FILL IN | FILL IN |``; this fills them:

    python -m support.team "Ada Lovelace, 123456" "Alan Turing, 654321"     # one to three members
    python -m support.team --root /path/to/checkout "Ada Lovelace, 123456"

Each argument is one member, ``"Name, matriculation number"``. The members go into the placeholder
rows in order and the placeholder rows left over are removed, so ``make submission`` no longer finds
``FILL IN``. In a notebook only the source of its first markdown cell changes (no code cell, no output);
the notebook JSON is rewritten in nbformat's own layout. Run ``make pdf`` afterwards.

It refuses with one line and exit code 1, and changes no file, when a member is malformed, when there
are none or more than three, or when a file has no placeholder row left (already filled).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from support.files import atomic_write
from support.notebook_defs import NOTEBOOKS

ANSWERS = "answers.md"
MAX_MEMBERS = 3
ROW = re.compile(r"^\|\s*FILL IN\s*\|\s*FILL IN\s*\|[ \t]*\n?", re.M)  # one placeholder table row
NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9/-]*")


class TeamError(ValueError):
    """The command cannot fill the table; the message is the one line shown to the person."""


def parse_member(text: str) -> tuple[str, str]:
    """'Name, number' -> (name, number). The number is the part after the last comma."""
    name, sep, number = text.rpartition(",")
    name, number = " ".join(name.split()), number.strip()
    if not sep or not name or not number:
        raise TeamError(f"malformed member {text!r}: write \"Name, matriculation number\"")
    if "|" in name or not any(ch.isalpha() for ch in name):
        raise TeamError(f"malformed member {text!r}: the name must contain letters and no '|'")
    if not NUMBER.fullmatch(number) or not any(ch.isdigit() for ch in number):
        raise TeamError(f"malformed member {text!r}: the matriculation number {number!r} must be digits "
                        "(letters, '-' and '/' allowed), without spaces")
    return name, number


def parse_members(texts: list[str]) -> list[tuple[str, str]]:
    if not 1 <= len(texts) <= MAX_MEMBERS:
        raise TeamError(f"give 1 to {MAX_MEMBERS} members, each as \"Name, matriculation number\" "
                        f"(got {len(texts)})")
    return [parse_member(t) for t in texts]


def fill_table(text: str, members: list[tuple[str, str]], where: str) -> str:
    """``text`` with the first placeholder rows replaced by the members and the remaining ones removed."""
    rows = list(ROW.finditer(text))
    if not rows:
        raise TeamError(f"{where} has no '| FILL IN | FILL IN |' row left (already filled?); nothing changed")
    if len(rows) < len(members):
        raise TeamError(f"{where} has only {len(rows)} placeholder rows for {len(members)} members; "
                        "nothing changed")
    out, last = [], 0
    for i, row in enumerate(rows):
        out.append(text[last:row.start()])
        if i < len(members):
            out.append(f"| {members[i][0]} | {members[i][1]} |" + ("\n" if row.group().endswith("\n") else ""))
        last = row.end()
    return "".join(out) + text[last:]


def fill_notebook(raw: str, members: list[tuple[str, str]], where: str) -> str:
    """The notebook JSON ``raw`` with the team table in its first markdown cell filled."""
    nb = nbformat.reads(raw, as_version=4)
    cell = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if cell is None:
        raise TeamError(f"{where} has no markdown cell; nothing changed")
    cell.source = fill_table(cell.source, members, f"{where} (first markdown cell)")
    return nbformat.writes(nb) + "\n"


def fill(root: Path, texts: list[str]) -> list[Path]:
    """Fill the team table in the three files under ``root``; returns the files written. Every file is
    checked before any is written, so a refusal leaves all three unchanged."""
    members = parse_members(texts)
    new = {}
    for name in (*NOTEBOOKS, ANSWERS):
        path = Path(root) / name
        if not path.is_file():
            raise TeamError(f"{path} does not exist; nothing changed")
        raw = path.read_text(encoding="utf-8")
        new[path] = (fill_notebook if name.endswith(".ipynb") else fill_table)(raw, members, name)
    for path, text in new.items():
        with atomic_write(path) as partial:
            partial.write_text(text, encoding="utf-8")
    return list(new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("members", nargs="*", metavar="MEMBER", help='"Name, matriculation number" (1 to 3)')
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root (default: cwd)")
    args = parser.parse_args(argv)
    try:
        written = fill(args.root, args.members)
    except TeamError as err:
        print(f"team: {err}", file=sys.stderr)
        return 1
    print(f"filled the team table ({len(args.members)} members) in {', '.join(p.name for p in written)}; "
          "now run: make pdf")
    return 0


if __name__ == "__main__":
    sys.exit(main())
