"""Pack the submission: dist/<name>.zip with answers.pdf, both notebooks (with their outputs) and the
TensorBoard screenshots, and nothing else.

Run from the repository root:

    make submission                          # = .venv/bin/python -m support.submission
    make submission ARGS="--name team_x"     # dist/team_x.zip
    make submission ARGS="--draft"           # build despite problems (dist/<name>_DRAFT.zip)

It refuses (exit 1, nothing written) while the team placeholder FILL IN is still in answers.md or in a
notebook, a notebook was never executed or holds an error output, answers.pdf is missing or older than
answers.md (run ``make pdf``), or screenshots/ holds no PNG. ``--draft`` prints these problems as
warnings and packs what exists. ``--root`` points at another checkout (the tests use a temporary one).
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

import nbformat

from support.files import atomic_write
from support.notebook_defs import NOTEBOOKS

PLACEHOLDER = "FILL IN"
DEFAULT_NAME = "home_assignment_02"


class NotReady(ValueError):
    """The checkout cannot be submitted yet; the message lists every reason in one paragraph."""


def notebook_problems(path: Path) -> list[str]:
    """What keeps one notebook from being submitted."""
    if not path.is_file():
        return [f"{path.name} is missing"]
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as err:  # nbformat raises several types for unreadable files
        return [f"{path.name} cannot be read as a notebook ({err.__class__.__name__})"]
    problems = []
    if any(PLACEHOLDER in cell.source for cell in nb.cells):
        problems.append(f"{path.name} still contains the team placeholder '{PLACEHOLDER}'")
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if all(cell.get("execution_count") is None for cell in code):
        problems.append(f"{path.name} has no saved outputs (run it: make run)")
    errors = [i for i, cell in enumerate(nb.cells, 1) if cell.cell_type == "code"
              and any(out.get("output_type") == "error" for out in cell.get("outputs", []))]
    if errors:
        problems.append(f"{path.name} holds an error output (cell {', '.join(map(str, errors))})")
    return problems


def problems(root: Path) -> list[str]:
    """Everything that keeps the checkout at ``root`` from being submitted; empty when ready."""
    found = []
    answers, pdf = root / "answers.md", root / "answers.pdf"
    if not answers.is_file():
        found.append("answers.md is missing")
    elif PLACEHOLDER in answers.read_text(encoding="utf-8"):
        found.append(f"answers.md still contains the team placeholder '{PLACEHOLDER}' "
                     "(names and matriculation numbers)")
    if not pdf.is_file():
        found.append("answers.pdf is missing (run: make pdf)")
    elif answers.is_file() and pdf.stat().st_mtime < answers.stat().st_mtime:
        found.append("answers.pdf is older than answers.md (run: make pdf)")
    for name in NOTEBOOKS:
        found += notebook_problems(root / name)
    if not screenshots(root):
        found.append("screenshots/ holds no PNG (run: make screenshots)")
    return found


def screenshots(root: Path) -> list[Path]:
    folder = root / "screenshots"
    return sorted(folder.glob("*.png")) if folder.is_dir() else []


def members(root: Path) -> dict[str, Path]:
    """Archive name -> file, for the files that exist."""
    files = {name: root / name for name in ("answers.pdf", *NOTEBOOKS) if (root / name).is_file()}
    files.update({f"screenshots/{png.name}": png for png in screenshots(root)})
    return files


def build(root: Path, name: str = DEFAULT_NAME, draft: bool = False, dist: Path | None = None) -> Path:
    """Write ``<dist>/<name>.zip`` (default dist: ``root/dist``) and return its path. Raises NotReady
    listing the problems, unless ``draft``: then it packs what exists as ``<name>_DRAFT.zip``."""
    root = Path(root).resolve()
    dist = Path(dist) if dist else root / "dist"
    found = problems(root)
    if found and not draft:
        raise NotReady(f"Not building {name}.zip: " + "; ".join(found)
                       + ". Fix these, or pass --draft to pack a draft anyway.")
    target = dist / (f"{name}_DRAFT.zip" if found else f"{name}.zip")
    with atomic_write(target) as partial, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname, path in members(root).items():
            zf.write(path, arcname)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root (default: cwd)")
    parser.add_argument("--name", default=DEFAULT_NAME, help=f"zip name without .zip (default {DEFAULT_NAME})")
    parser.add_argument("--draft", action="store_true", help="pack even if something is not ready")
    args = parser.parse_args(argv)
    try:
        target = build(args.root, args.name, args.draft)
    except NotReady as err:
        print(err, file=sys.stderr)
        return 1
    for problem in problems(args.root):
        print(f"warning: {problem}", file=sys.stderr)
    with zipfile.ZipFile(target) as zf:
        names = zf.namelist()
    print(f"wrote {target} ({len(names)} files: {', '.join(names)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
