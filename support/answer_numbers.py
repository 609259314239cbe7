"""Fill and check every result quoted in the prose of answers.md and of the notebooks' markdown cells.

A result taken from a run is written as a span that names where it comes from. In answers.md (pandoc):

    [12.3]{.result key="dcgan:final.frechet_distance"}
    [87.5]{.result key="vae:sweep.best_scores.psnr" scale=100}   <- a fraction written as a percentage
    [Shirt]{.result key="dcgan:final.class_roles.weakest.class"}  <- a name or a verdict, quoted verbatim

In a notebook's markdown (HTML, which Jupyter shows as the plain text, with the key as a tooltip):

    <span title="dcgan:final.frechet_distance">12.3</span>
    <span title="vae:sweep.best_scores.psnr" data-scale="100">87.5</span>

``dcgan:`` and ``vae:`` name a task; the rest of the key is a dotted path into that task's results
(list positions are integers, negative ones count from the end). A task's results are the JSON that its
notebook displays in its last cell (so a notebook downloaded from Colab carries its own numbers), or,
for a notebook without that output, ``results/<task>/results.json``.

- ``fill`` rewrites every span's text from the results: a number with as many decimals as are written
  (thousands separators and the minus sign's style kept), times ``scale``; a string verbatim. It lists
  every key it cannot resolve and leaves those spans as they are.
- ``check`` reports every span whose text differs from what ``fill`` would write, and every key into a
  list whose order the run decides (``RUN_ORDERED``): such a key would change its meaning with the run,
  so the prose must quote a named result instead (``init_study.ranked.second``, not ``verdicts.6``).

Run: ``.venv/bin/python -m support.answer_numbers {check,fill,list} [FILE ...]`` (default: answers.md and
both notebooks). ``make run`` fills after executing the notebooks; ``make fill`` fills alone. Exit 1
on any problem. HTML comments are skipped.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from support.notebook_defs import NOTEBOOKS

ROOT = Path(__file__).resolve().parent.parent
TASKS = {"dcgan": NOTEBOOKS[0], "vae": NOTEBOOKS[1]}  # task -> its notebook in ROOT
# Lists whose order (or whose members) the run decides: a position in them has no fixed meaning.
RUN_ORDERED = {"dcgan": ("init_study.verdicts",), "vae": ()}
SPAN = re.compile(r"\[(?P<text>[^\[\]]*)\]\{(?P<attrs>[^{}]*?\.result\b[^{}]*)\}")
HTML_SPAN = re.compile(r'<span title="(?P<key>\w+:[^"]*)"(?: data-scale="(?P<scale>[^"]*)")?>(?P<text>[^<]*)</span>')
ATTR = re.compile(r'(\w+)=(?:"([^"]*)"|(\S+))')
NUMBER = re.compile(r"[-\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass
class Span:
    start: int  # position of the span's text in the document
    end: int
    line: int
    text: str
    key: str
    scale: str


def find_spans(text: str) -> list[Span]:
    """All result spans in `text`, in order (spans inside HTML comments are skipped)."""
    blanked = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)  # same length, comments blank
    spans = []
    for m in SPAN.finditer(blanked):
        attrs = {k: v1 or v2 for k, v1, v2 in ATTR.findall(m.group("attrs"))}
        spans.append(Span(m.start("text"), m.end("text"), blanked.count("\n", 0, m.start()) + 1,
                          m.group("text"), attrs.get("key", ""), attrs.get("scale", "1")))
    for m in HTML_SPAN.finditer(blanked):
        spans.append(Span(m.start("text"), m.end("text"), blanked.count("\n", 0, m.start()) + 1,
                          m.group("text"), m.group("key"), m.group("scale") or "1"))
    return sorted(spans, key=lambda span: span.start)


def embedded_results(notebook: Path) -> dict[str, dict]:
    """{task: results} from the JSON outputs a notebook displays with metadata {"results_of": task}."""
    found = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            task = out.get("metadata", {}).get("results_of")
            if task and "application/json" in out.get("data", {}):
                found[task] = out["data"]["application/json"]
    return found


def load_results(root: Path = ROOT) -> dict[str, dict | Exception]:
    """Each task's results: the JSON displayed by its notebook in `root`, else results/<task>/results.json;
    an exception in place of the results where neither can be read."""
    results = {}
    for task, notebook in TASKS.items():
        try:
            results[task] = embedded_results(root / notebook)[task]
        except (OSError, KeyError, ValueError):
            try:
                results[task] = json.loads((root / "results" / task / "results.json").read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                results[task] = err
    return results


def lookup(data, path: str):
    """Follow a dotted path (``epochs.-1.loss_D``) through nested dicts and lists."""
    for part in path.split("."):
        if isinstance(data, list):
            data = data[int(part)]
        elif isinstance(data, dict):
            data = data[part]
        else:
            raise KeyError(part)
    return data


def render(value, written: str, scale: float = 1.0) -> str:
    """The span text for `value`: a string verbatim; a number with the decimals, thousands separators and
    minus sign of `written` (a number written before), times `scale`."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"holds {value!r}, neither a number nor a string")
    number = NUMBER.fullmatch(written.strip())
    decimals = len(number.group(1) or "") if number else 0 if isinstance(value, int) else 2
    text = f"{value * scale:{',' if number and ',' in written else ''}.{decimals}f}"
    return "-" + text[1:] if text.startswith("-") and written.strip().startswith("-") else text.replace("-", "\u2212")


def run_ordered(task: str, path: str) -> bool:
    """Whether `path` indexes into a list of RUN_ORDERED[task]."""
    return any(re.match(rf"{re.escape(prefix)}\.-?\d+(\.|$)", path) for prefix in RUN_ORDERED.get(task, ()))


def resolve(span: Span, results: dict) -> tuple[str | None, str | None]:
    """(the text `fill` writes for `span`, None) or (None, the reason it cannot be resolved)."""
    task, _, path = span.key.partition(":")
    if task not in TASKS or not path:
        return None, "key must look like 'dcgan:a.b' or 'vae:a.0.b'"
    if run_ordered(task, path):
        return None, f"indexes a list whose order the run decides ({path.rsplit('.', 2)[0]}); quote a named result"
    if isinstance(results.get(task), Exception) or task not in results:
        return None, f"cannot read the {task} results ({results.get(task)})"
    try:
        scale = float(span.scale)
    except ValueError:
        return None, f"scale must be a number, not {span.scale!r}"
    try:
        return render(lookup(results[task], path), span.text, scale), None
    except (KeyError, IndexError, ValueError):
        return None, f"no such entry in the {task} results"
    except TypeError as err:
        return None, str(err)


def fill_text(text: str, results: dict, name: str = "answers.md") -> tuple[str, list[str]]:
    """`text` with every resolvable span rewritten, and one message per span that cannot be resolved."""
    problems, pieces, last = [], [], 0
    for span in find_spans(text):
        new, why = resolve(span, results)
        if why:
            problems.append(f"{name}:{span.line}: [{span.text}] key={span.key!r}: {why}")
            continue
        pieces += [text[last:span.start], new]
        last = span.end
    return "".join(pieces) + text[last:], problems


def check_text(text: str, results: dict, name: str = "answers.md") -> list[str]:
    """One message per span that `fill` cannot resolve or would change; empty when all match."""
    problems = []
    for span in find_spans(text):
        new, why = resolve(span, results)
        if why or new != span.text:
            problems.append(f"{name}:{span.line}: [{span.text}] key={span.key!r}: "
                            + (why or f"written {span.text}, results say {new}"))
    return problems


def check_numbers(text: str, root: Path = ROOT, name: str = "answers.md") -> list[str]:
    """check_text against the results found in `root` (see load_results)."""
    return check_text(text, load_results(root), name)


def notebook_markdown(path: Path) -> str:
    """The markdown cells of a notebook, joined (line numbers count from the first markdown cell)."""
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")


def results_for(path: Path, root: Path = ROOT) -> dict:
    """The results a file's spans are filled from: those of `root`, overridden by a notebook's own output."""
    results = load_results(root)
    if path.suffix == ".ipynb":
        results.update(embedded_results(path))
    return results


def process(path: Path, fill: bool, root: Path = ROOT) -> tuple[list[Span], list[str]]:
    """Check (or fill, rewriting the file when anything changed) one Markdown file or notebook; returns its
    spans and problems."""
    results, spans, problems = results_for(path, root), [], []
    if path.suffix != ".ipynb":
        text = path.read_text(encoding="utf-8")
        spans = find_spans(text)
        new, problems = fill_text(text, results, path.name) if fill else (text, check_text(text, results, path.name))
        if new != text:
            path.write_text(new, encoding="utf-8")
        return spans, problems
    notebook = nbformat.read(path, as_version=4)
    changed = False
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        name = f"{path.name}[cell {i}]"
        spans += find_spans(cell.source)
        if fill:
            new, found = fill_text(cell.source, results, name)
            changed |= new != cell.source
            cell.source = new
        else:
            found = check_text(cell.source, results, name)
        problems += found
    if changed:
        nbformat.write(notebook, path)
    return spans, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="check", choices=("check", "fill", "list"))
    parser.add_argument("files", nargs="*", type=Path, help="Markdown files or notebooks (default: answers.md "
                        "and both notebooks)")
    args = parser.parse_args(argv)
    files = args.files or [ROOT / "answers.md", *(ROOT / name for name in NOTEBOOKS)]
    problems, count = [], 0
    for path in files:
        spans, found = process(path, fill=args.command == "fill")
        count += len(spans)
        problems += found
        if args.command == "list":
            print("\n".join(f"{path.name}:{s.line}: {s.text:>12}  {s.key}" for s in spans))
    print("\n".join(problems) if problems else f"{count} spans: every key resolves"
          + ("" if args.command == "fill" else " and every text matches the results"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
