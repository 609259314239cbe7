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
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CSS = Path(__file__).resolve().parent / "answers.css"
INSTALL_HINT = "sudo apt-get install pandoc chromium poppler-utils   (or: make sysdeps)"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?")  # ![caption](path "title")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)  # pandoc drops HTML comments from the output


class BuildError(RuntimeError):
    """The PDF could not be built; the message says why and what to do."""


def find_tools() -> tuple[str, str]:
    """Paths of pandoc and a Chromium binary, or one clear error naming the apt-get line."""
    pandoc = shutil.which("pandoc")
    chromium = next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)
    missing = [name for name, path in (("pandoc", pandoc), ("chromium", chromium)) if not path]
    if missing:
        raise BuildError(f"{' and '.join(missing)} not found on PATH. Install with: {INSTALL_HINT}")
    return pandoc, chromium


def missing_images(markdown: str, base: Path) -> list[str]:
    """Image paths referenced in the Markdown that do not exist relative to ``base``."""
    paths = (m.group(1) for m in IMAGE.finditer(COMMENT.sub("", markdown)))
    return [p for p in paths if "://" not in p and not (base / p).is_file()]


def tidy_mathml(html: str) -> str:
    """Fix two texmath/Chromium mismatches so the math reads like TeX.

    1. Named operators (``\\log``, ``\\operatorname{KL}``) arrive as ``<mo>log</mo>``, which Chromium
       spaces like an unknown operator (a thick space on each side). Give them TeX's spacing: a thin
       space, none after an opening fence and none before a following parenthesis.
    2. ``\\bigl(`` etc. arrive as non-stretchy ``<mo>`` with unitless sizes, which MathML Core ignores.
    """
    def named_operator(m: re.Match) -> str:
        before = html[max(0, m.start() - 100):m.start()].rstrip()
        after = re.sub(r"^(\s*<mrow>)+", "", html[m.end():m.end() + 200]).lstrip()
        opening = re.match(r"<mo[^>]*>[(\[{\u27e8]</mo>", after) is not None
        lspace = "0" if before.endswith("</mo>") else "0.1667em"
        rspace = "0" if opening else "0.1667em"
        return f'<mo lspace="{lspace}" rspace="{rspace}">{m.group(1)}</mo>'

    html = re.sub(r"<mo>([A-Za-z]{2,})</mo>", named_operator, html)
    return re.sub(r'minsize="([\d.]+)" maxsize="([\d.]+)" stretchy="false"',
                  r'minsize="\1em" maxsize="\2em" stretchy="true"', html)


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
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="answers-pdf-") as tmp:
        html = Path(tmp) / "answers.html"
        run([pandoc, str(source), "--from", "markdown", "--to", "html5", "--standalone", "--mathml",
             "--self-contained", "--css", str(CSS), "--resource-path", str(source.parent),
             "--metadata", "pagetitle=Home Assignment 02 - Deep Learning Foundations",
             "--output", str(html)], "pandoc")
        html.write_text(tidy_mathml(html.read_text(encoding="utf-8")), encoding="utf-8")
        fd, partial = tempfile.mkstemp(prefix=f".{output.stem}-", suffix=".pdf", dir=output.parent)
        os.close(fd)
        try:
            run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                 f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={partial}",
                 html.as_uri()], "chromium")
            with open(partial, "rb") as f:
                if f.read(5) != b"%PDF-":
                    raise BuildError("chromium did not write a PDF (empty or invalid output).")
            os.replace(partial, output)
        finally:
            Path(partial).unlink(missing_ok=True)
    return output


def run(cmd: list[str], name: str) -> None:
    """Run one tool; on failure raise BuildError with the tail of its stderr."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired as err:
        raise BuildError(f"{name} did not finish within {err.timeout} s.") from None
    if proc.returncode != 0:
        raise BuildError(f"{name} failed (exit {proc.returncode}):\n{proc.stderr.strip()[-2000:]}")


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
