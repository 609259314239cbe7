"""answers.md and the PDF built from it: every task answered under its number, math typeset,
figures embedded, and every quoted result equal to the notebooks' result files."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from support.answer_numbers import check_numbers, find_spans
from support.build_pdf import BuildError, build_pdf, find_tools

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = ROOT / "answers.md"
LABELS = ["1", "1.2", "1.3", "1.4", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3"]  # the sheet's order
RAW_LATEX = ["$", "\\frac", "\\mathbb", "\\mathcal", "\\begin{", "\\log", "\\sum"]


def have_pdf_tools() -> bool:
    """pandoc and Chromium (as build_pdf finds them), and poppler's pdftotext and pdfimages."""
    try:
        find_tools()
    except BuildError:
        return False
    return all(map(shutil.which, ("pdftotext", "pdfimages")))


needs_tools = pytest.mark.skipif(
    not have_pdf_tools(), reason="needs pandoc, chromium, poppler-utils: sudo apt-get install pandoc chromium poppler-utils")


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_sections_follow_the_sheet():
    labels = re.findall(r"^## (\d(?:\.\d)?) ", ANSWERS.read_text(encoding="utf-8"), flags=re.M)
    deduped = [label for i, label in enumerate(labels) if i == 0 or labels[i - 1] != label]
    assert deduped == LABELS


def test_team_table_at_the_top():
    head = ANSWERS.read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert re.search(r"^\|\s*Name\s*\|\s*Matriculation number\s*\|", head, flags=re.M)


def test_quoted_results_match_result_files():
    problems = check_numbers(ANSWERS.read_text(encoding="utf-8"), ROOT)
    assert not problems, "answers.md quotes numbers that differ from results/*.json:\n" + "\n".join(problems)


# --- the number checker itself, on a tiny answers text and results file ---------------------------

@pytest.fixture
def results_root(tmp_path):
    (tmp_path / "results" / "dcgan").mkdir(parents=True)
    (tmp_path / "results" / "dcgan" / "results.json").write_text(json.dumps(
        {"final": {"frechet_distance": 12.345, "entropy": 0.8766},
         "epochs": [{"loss_D": 1.5}, {"loss_D": 1.2049}]}))
    return tmp_path


def test_checker_accepts_matching_numbers(results_root):
    text = ("FD [12.3]{.result key=\"dcgan:final.frechet_distance\"}, last D loss "
            "[1.20]{.result key=\"dcgan:epochs.-1.loss_D\"}, entropy [87.7]{.result "
            "key=\"dcgan:final.entropy\" scale=100}%, first [2]{.result key=\"dcgan:epochs.0.loss_D\"}.\n"
            "<!-- an example in a comment is ignored: [9.9]{.result key=\"vae:nothing\"} -->")
    assert len(find_spans(text)) == 4
    assert check_numbers(text, results_root) == []


def test_checker_reports_each_mismatch(results_root):
    text = ("intro\n[12.4]{.result key=\"dcgan:final.frechet_distance\"}\n"
            "[1.5]{.result key=\"dcgan:epochs.5.loss_D\"} [3]{.result key=\"dcgan:final.missing\"}\n"
            "[1.0]{.result key=\"vae:final.elbo\"} [about 12]{.result key=\"dcgan:final.frechet_distance\"}")
    problems = check_numbers(text, results_root)
    assert len(problems) == 5
    assert problems[0].startswith("answers.md:2:") and "written 12.4, results say 12.3" in problems[0]
    assert "no such entry" in problems[1] and "no such entry" in problems[2]
    assert "cannot read the vae results" in problems[3]
    assert "written about 12, results say 12.3" in problems[4]  # a span's text is exactly what fill writes


def test_no_spans_no_problems(tmp_path):
    assert check_numbers("no quoted results here", tmp_path) == []


# --- the PDF ----------------------------------------------------------------------------------------

@needs_tools
def test_pdf_has_every_section_and_no_raw_latex(tmp_path):
    pdf = build_pdf(ANSWERS, tmp_path / "answers.pdf")
    text = pdf_text(pdf)
    missing = [label for label in LABELS if not re.search(rf"^\s*{re.escape(label)} [A-Z]", text, flags=re.M)]
    assert not missing, f"section labels missing from the PDF: {missing}"
    leaked = [token for token in RAW_LATEX if token in text]
    assert not leaked, f"raw LaTeX in the PDF text: {leaked}"
    assert "References" in text and "arxiv.org/abs/1406.2661" in text


@needs_tools
def test_pdf_embeds_figures_relative_to_the_markdown(tmp_path):
    import matplotlib.pyplot as plt
    (tmp_path / "results" / "vae").mkdir(parents=True)
    plt.imsave(tmp_path / "results" / "vae" / "grid.png", [[0.0, 1.0], [1.0, 0.0]])
    source = tmp_path / "answers.md"
    source.write_text("# T\n\n## 2.4 X\n\n![A figure](results/vae/grid.png)\n\n$\\frac{a}{b}$\n")
    pdf = build_pdf(source, tmp_path / "out" / "answers.pdf")
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) >= 3, "no image in the PDF"  # two header lines + images
    assert "A figure" in pdf_text(pdf)


@needs_tools
def test_pdf_build_refuses_missing_figures_and_unknown_math(tmp_path):
    source = tmp_path / "answers.md"
    source.write_text("![gone](screenshots/none.png)\n")
    with pytest.raises(BuildError, match="screenshots/none.png"):
        build_pdf(source, tmp_path / "a.pdf")
    source.write_text("$$\\Bigl(x\\Bigr)$$\n")  # texmath does not know \Bigl
    with pytest.raises(BuildError, match="could not typeset"):
        build_pdf(source, tmp_path / "a.pdf")
    assert not (tmp_path / "a.pdf").exists()
