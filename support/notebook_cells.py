"""Edit a notebook's cells as plain files, then put them back, keeping every cell's outputs and metadata.

    python -m support.notebook_cells split dcgan_fashion_mnist.ipynb /tmp/cells   # 000.md, 001.py, ...
    ... edit, add (e.g. 041b.md sorts between 041 and 042), delete or rename files ...
    python -m support.notebook_cells join dcgan_fashion_mnist.ipynb /tmp/cells

`join` orders the cells by file name. A file keeps the cell it came from (outputs, tags, attachments)
while its name ends in that cell's number: move a cell by renaming `023.py` to `035a~023.py`. A new file
becomes a new cell. In markdown, `⟦key|text⟧` and `⟦key|text|scale⟧` are written out as result spans
of the notebook's task, `<span title="dcgan:key" data-scale="scale">text</span>` (see
support/answer_numbers.py; `make fill` then writes the run's values). The notebooks' code and prose
were edited this way; after a join, rerun the notebook (`make run`) so the outputs match the code.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat

from support.answer_numbers import TASKS

SHORTHAND = re.compile(r"⟦([^|⟧]+)\|([^|⟧]*)(?:\|([^⟧]+))?⟧")


def split(notebook: Path, folder: Path) -> None:
    """One file per cell (NNN.md or NNN.py) plus a copy of the notebook that `join` takes the outputs from."""
    folder.mkdir(parents=True, exist_ok=True)
    book = nbformat.read(notebook, as_version=4)
    for i, cell in enumerate(book.cells):
        (folder / f"{i:03d}.{'md' if cell.cell_type == 'markdown' else 'py'}").write_text(cell.source)
    nbformat.write(book, folder / "_original.ipynb")


def expand(source: str, task: str) -> str:
    """`⟦key|text|scale⟧` -> `<span title="task:key" data-scale="scale">text</span>`."""
    def span(m):
        scale = f' data-scale="{m.group(3)}"' if m.group(3) else ""
        return f'<span title="{task}:{m.group(1)}"{scale}>{m.group(2)}</span>'
    return SHORTHAND.sub(span, source)


def join(notebook: Path, folder: Path) -> None:
    """Rebuild `notebook` from the files in `folder`, in name order (see the module docstring)."""
    original = nbformat.read(folder / "_original.ipynb", as_version=4)
    task = next(name for name, file in TASKS.items() if file == Path(notebook).name)
    cells = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".md", ".py")):
        kind = "markdown" if path.suffix == ".md" else "code"
        number = path.stem.split("~")[-1]
        if number.isdigit() and int(number) < len(original.cells):
            cell = original.cells[int(number)]
            if cell.cell_type != kind:
                raise SystemExit(f"{path.name}: cell {number} is a {cell.cell_type} cell")
        else:
            cell = nbformat.v4.new_markdown_cell() if kind == "markdown" else nbformat.v4.new_code_cell()
        source = path.read_text().rstrip("\n")
        cell.source = expand(source, task) if kind == "markdown" else source
        cells.append(cell)
    original.cells = cells
    nbformat.validate(original)
    nbformat.write(original, notebook)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("split", "join"))
    parser.add_argument("notebook", type=Path)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    (split if args.command == "split" else join)(args.notebook, args.folder)
    print(json.dumps({"command": args.command, "notebook": str(args.notebook), "folder": str(args.folder)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
