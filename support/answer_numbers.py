"""Keep the numbers quoted in answers.md equal to the notebooks' result files.

Every number taken from a run is written in answers.md as a pandoc bracketed span:

    [12.3]{.result key="dcgan:final.frechet_distance"}
    [87.5]{.result key="vae:sweep.2.active_fraction" scale=100}   <- 0.875 written as a percentage
    [1.21]{.result key="dcgan:epochs.-1.loss_D"}                  <- last element of a list

``dcgan:`` means ``results/dcgan/results.json`` and ``vae:`` means ``results/vae/results.json``; the rest
of the key is a dotted path into that JSON (list positions are integers, negative ones count from the
end). The span text must be a plain decimal number; it matches when it equals the JSON value times
``scale`` (default 1), formatted with as many decimals as are written (``f"{value:.{n}f}"``). In the PDF
the span shows as its plain text. HTML comments are ignored.

The notebooks' markdown cells quote their results the same way, written as HTML (which Jupyter
renders as the plain number, with the key as a tooltip):

    <span title="dcgan:final.frechet_distance">25.0</span>
    <span title="vae:sweep.best_share" data-scale="100">87.5</span>

Run: ``.venv/bin/python -m support.answer_numbers`` (lists every span of answers.md and both
notebooks; exit 1 on any problem). ``tests/test_answers.py`` and ``tests/test_notebook_numbers.py``
run the same check.
"""

from __future__ import annotations

import json
import re
import sys
from decimal import Decimal
from pathlib import Path

from support.notebook_defs import NOTEBOOKS

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {"dcgan": "results/dcgan/results.json", "vae": "results/vae/results.json"}
SPAN = re.compile(r"\[(?P<text>[^\[\]]*)\]\{(?P<attrs>[^{}]*?\.result\b[^{}]*)\}")
HTML_SPAN = re.compile(r'<span title="(?P<key>\w+:[^"]*)"(?: data-scale="(?P<scale>[^"]*)")?>(?P<text>[^<]*)</span>')
ATTR = re.compile(r'(\w+)=(?:"([^"]*)"|(\S+))')
NUMBER = re.compile(r"[-\u2212]?\d+(?:\.(\d+))?")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def find_spans(text: str) -> list[dict]:
    """All result spans as dicts: line, text, key, scale (comments skipped, line numbers kept)."""
    text = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    spans = []
    for m in SPAN.finditer(text):
        attrs = {k: v1 or v2 for k, v1, v2 in ATTR.findall(m.group("attrs"))}
        spans.append({"line": text.count("\n", 0, m.start()) + 1, "text": m.group("text").strip(),
                      "key": attrs.get("key", ""), "scale": attrs.get("scale", "1")})
    for m in HTML_SPAN.finditer(text):
        spans.append({"line": text.count("\n", 0, m.start()) + 1, "text": m.group("text").strip(),
                      "key": m.group("key"), "scale": m.group("scale") or "1"})
    return sorted(spans, key=lambda span: span["line"])


def notebook_markdown(path: Path) -> str:
    """The markdown cells of a notebook, joined (line numbers count from the first markdown cell)."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


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


def check_numbers(text: str, root: Path = ROOT, name: str = "answers.md") -> list[str]:
    """One message per span that does not match its result file; empty when all match (or none)."""
    problems, cache = [], {}
    for span in find_spans(text):
        where = f"{name}:{span['line']}: [{span['text']}] key={span['key']!r}"
        source, _, path = span["key"].partition(":")
        if source not in SOURCES or not path:
            problems.append(f"{where}: key must look like 'dcgan:a.b' or 'vae:a.0.b'")
            continue
        number = NUMBER.fullmatch(span["text"])
        if not number:
            problems.append(f"{where}: span text must be a plain number (put units outside the span)")
            continue
        try:
            scale = float(span["scale"])
        except ValueError:
            problems.append(f"{where}: scale must be a number, not {span['scale']!r}")
            continue
        file = root / SOURCES[source]
        if file not in cache:
            try:
                cache[file] = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                cache[file] = err
        if isinstance(cache[file], Exception):
            problems.append(f"{where}: cannot read {SOURCES[source]} ({cache[file]})")
            continue
        try:
            value = lookup(cache[file], path)
        except (KeyError, IndexError, ValueError):
            problems.append(f"{where}: no such entry in {SOURCES[source]}")
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{where}: {SOURCES[source]} holds {value!r}, not a number")
            continue
        decimals = len(number.group(1) or "")
        expected = f"{value * scale:.{decimals}f}"
        if Decimal(expected) != Decimal(span["text"].replace("\u2212", "-")):
            problems.append(f"{where}: written {span['text']}, results say {expected}")
    return problems


def main() -> int:
    texts = {"answers.md": (ROOT / "answers.md").read_text(encoding="utf-8"),
             **{name: notebook_markdown(ROOT / name) for name in NOTEBOOKS}}
    problems = []
    for name, text in texts.items():
        for span in find_spans(text):
            print(f"{name}:{span['line']}: {span['text']:>10}  {span['key']}")
        problems += check_numbers(text, ROOT, name)
    print("\n".join(problems) if problems else "all quoted results match the result files")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
