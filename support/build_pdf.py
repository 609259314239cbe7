"""Build answers.pdf (the text answers of the submission) from answers.md.

Route: pandoc turns the Markdown into one self-contained HTML5 page, LaTeX math becomes MathML
(``--mathml``) and figures are inlined; headless Chromium then prints that page to PDF with the
print style in ``support/answers.css`` (A4, serif text, a math font, page numbers). No TeX needed.

Run from the repository root:

    make pdf                                   # = .venv/bin/python -m support.build_pdf
    .venv/bin/python -m support.build_pdf --source answers.md --output /tmp/answers.pdf

Image paths in answers.md (``results/dcgan/*.png``, ``results/vae/*.png``, ``screenshots/*.png``)
are relative to the folder that holds answers.md. The PDF is written to a temporary file first and
renamed, so a failed build never leaves half a PDF. Needs Debian's ``pandoc`` and ``chromium``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from support.chromium import ChromiumNotFound, find_chromium
from support.files import atomic_write

ROOT = Path(__file__).resolve().parent.parent
CSS = Path(__file__).resolve().parent / "answers.css"
INSTALL_HINT = "sudo apt-get install pandoc chromium poppler-utils fonts-dejavu-extra   (or: make sysdeps)"
MATH_FONTS = ("DejaVu Math TeX Gyre", "STIX Two Math", "Latin Modern Math")  # as in answers.css
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?")  # ![caption](path "title")
MATH = re.compile(r"<math\b.*?</math>", re.DOTALL)
MATHML = "http://www.w3.org/1998/Math/MathML"
ET.register_namespace("", MATHML)
TALL = {"mfrac", "munder", "mover", "munderover", "mtable", "msqrt", "mroot"}
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)  # comments are not rendered


class BuildError(RuntimeError):
    """The PDF could not be built; the message says why and what to do."""


def find_tools() -> tuple[str, str]:
    """Paths of pandoc and a Chromium binary, or one clear error naming the apt-get line."""
    pandoc = shutil.which("pandoc")
    try:
        chromium = find_chromium()
    except ChromiumNotFound:
        chromium = None
    missing = [name for name, path in (("pandoc", pandoc), ("chromium", chromium)) if not path]
    if missing:
        raise BuildError(f"{' and '.join(missing)} not found on PATH. Install with: {INSTALL_HINT}")
    return pandoc, chromium


def math_font_missing() -> bool:
    """True when fontconfig knows none of the math fonts answers.css asks for."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return False
    families = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True).stdout
    return not any(font in families for font in MATH_FONTS)


def missing_images(markdown: str, base: Path) -> list[str]:
    """Image paths referenced in the Markdown that do not exist relative to ``base``."""
    paths = (m.group(1) for m in IMAGE.finditer(COMMENT.sub("", markdown)))
    return [p for p in paths if "://" not in p and not (base / p).is_file()]


def tidy_mathml(html: str) -> str:
    """Adjust pandoc's MathML (texmath) so that Chromium typesets it like TeX.

    - ``(x)`` arrives as stretchy fences, which Chromium draws with gaps; fences stretch only when
      they enclose something tall (a fraction, a sum, a matrix), as ``\\left( \\right)`` would.
    - ``\\bigl(`` etc. arrive as non-stretchy fences with unitless sizes; make them that size.
    - named operators (``\\log``, ``\\operatorname{KL}``) arrive as ``<mo>log</mo>``, spaced like an
      unknown operator; give them TeX's thin space (none after an opening fence or before a "(").
    - ``\\mathrm{MSE}`` arrives as italic letters in an ``mstyle`` that MathML Core ignores; ``\\ell``
      arrives as an operator.
    - Chromium may break a line between inline math and the punctuation after it; a word joiner
      (U+2060) prevents that.
    """
    html = MATH.sub(lambda m: _tidy_formula(m.group(0)), html)
    return re.sub(r"</math>(?=[,.;:!?)])", "</math>\u2060", html)


def _tidy_formula(xml: str) -> str:
    root = ET.fromstring(xml)
    for row in root.iter(f"{{{MATHML}}}mrow"):
        kids = list(row)
        if len(kids) >= 2 and all(k.tag == f"{{{MATHML}}}mo" and k.get("stretchy") == "true"
                                  for k in (kids[0], kids[-1])):
            tall = any(el.tag.split("}")[1] in TALL for k in kids[1:-1] for el in k.iter())
            if not tall:
                kids[0].set("stretchy", "false")
                kids[-1].set("stretchy", "false")
    for parent in root.iter():
        kids = list(parent)
        for i, el in enumerate(kids):
            name, text = el.tag.split("}")[1], el.text or ""
            if name == "mo" and el.get("minsize", "").replace(".", "").isdigit():
                el.set("minsize", el.get("minsize") + "em")
                el.set("maxsize", el.get("maxsize") + "em")
                el.set("stretchy", "true")
                el.set("symmetric", "false")
            elif name == "mo" and text == "\u2113":
                el.tag = f"{{{MATHML}}}mi"
            elif name == "mo" and len(text) > 1 and text.isalpha():
                prev = kids[i - 1] if i else None
                nxt = kids[i + 1] if i + 1 < len(kids) else None
                while nxt is not None and nxt.tag == f"{{{MATHML}}}mrow" and len(nxt):
                    nxt = nxt[0]
                after_fence = prev is not None and prev.tag == f"{{{MATHML}}}mo"
                before_paren = nxt is not None and nxt.tag == f"{{{MATHML}}}mo" and nxt.text in "([{"
                el.set("lspace", "0" if after_fence or prev is None else "0.1667em")
                el.set("rspace", "0" if before_paren else "0.1667em")
            elif name == "mstyle" and el.get("mathvariant") == "normal":
                for mi in el.iter(f"{{{MATHML}}}mi"):
                    mi.set("mathvariant", "normal")
    return ET.tostring(root, encoding="unicode")


def build_pdf(source: Path = ROOT / "answers.md", output: Path | None = None) -> Path:
    """Convert ``source`` to PDF at ``output`` (default: beside the source, .pdf); return the path."""
    source = Path(source).resolve()
    output = Path(output).resolve() if output else source.with_suffix(".pdf")
    pandoc, chromium = find_tools()
    if not source.is_file():
        raise BuildError(f"{source} does not exist.")
    missing = missing_images(source.read_text(encoding="utf-8"), source.parent)
    if missing:
        raise BuildError(f"{source.name} embeds images that do not exist: {', '.join(missing)}. "
                         "Run the notebooks (make run) or the screenshots (make screenshots) first.")
    if math_font_missing():
        print("build_pdf: warning: no math font installed, formulas will look rough. Install one with: "
              "sudo apt-get install fonts-dejavu-extra", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="answers-pdf-") as tmp:
        html = Path(tmp) / "answers.html"
        warnings = run([pandoc, str(source), "--from", "markdown", "--to", "html5", "--standalone",
                        "--mathml", "--self-contained", "--css", str(CSS),
                        "--resource-path", str(source.parent),
                        "--metadata", "pagetitle=Home Assignment 02 - Deep Learning Foundations",
                        "--output", str(html)], "pandoc")
        if "Could not convert TeX math" in warnings:
            raise BuildError(f"pandoc could not typeset some math (texmath lacks a command; rewrite it):\n"
                             f"{warnings.strip()}")
        html.write_text(tidy_mathml(html.read_text(encoding="utf-8")), encoding="utf-8")
        with atomic_write(output) as partial:
            run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                 f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={partial}",
                 html.as_uri()], "chromium")
            if partial.read_bytes()[:5] != b"%PDF-":
                raise BuildError("chromium did not write a PDF (empty or invalid output).")
    return output


def run(cmd: list[str], name: str) -> str:
    """Run one tool and return its stderr; on failure raise BuildError with the tail of it."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired as err:
        raise BuildError(f"{name} did not finish within {err.timeout} s.") from None
    if proc.returncode != 0:
        raise BuildError(f"{name} failed (exit {proc.returncode}):\n{proc.stderr.strip()[-2000:]}")
    return proc.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / "answers.md", help="Markdown input")
    parser.add_argument("--output", type=Path, default=None, help="PDF output (default: beside source)")
    args = parser.parse_args(argv)
    try:
        out = build_pdf(args.source, args.output)
    except BuildError as err:
        print(f"build_pdf: {err}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
