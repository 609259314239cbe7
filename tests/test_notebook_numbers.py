"""The prose follows the run: every result quoted in the notebooks' markdown (and in answers.md, see
test_answers.py) is a span naming its source, e.g. <span title="dcgan:final.frechet_distance">25.0</span>,
which `python -m support.answer_numbers fill` rewrites after a run and `check` compares with the results
(support/answer_numbers.py). Here: the committed prose matches the committed run, the results a notebook
carries equal the results files, no key changes its meaning with the run, and fill itself."""

import json

import pytest
from conftest import DCGAN_NOTEBOOK, ROOT, VAE_NOTEBOOK

from support.answer_numbers import (
    TASKS,
    check_numbers,
    check_text,
    embedded_results,
    fill_text,
    find_spans,
    notebook_markdown,
    render,
    run_ordered,
)

NOTEBOOKS = {"dcgan": DCGAN_NOTEBOOK, "vae": VAE_NOTEBOOK}


@pytest.mark.parametrize("notebook", [DCGAN_NOTEBOOK, VAE_NOTEBOOK], ids=lambda p: p.stem)
def test_numbers_in_notebook_prose_match_results(notebook):
    text = notebook_markdown(notebook)
    assert find_spans(text), f"{notebook.name} quotes no checked result in its prose"
    problems = check_numbers(text, ROOT, notebook.name)
    assert not problems, ("notebook prose differs from its results; run `make fill`, then read each changed "
                          "sentence against its figure:\n" + "\n".join(problems))


@pytest.mark.parametrize("task", TASKS)
def test_each_notebook_carries_the_results_file_of_its_run(task):
    """The last cell displays the run's results, so a notebook downloaded alone can still be filled."""
    carried = embedded_results(NOTEBOOKS[task])
    assert task in carried, f"{NOTEBOOKS[task].name} displays no results (application/json, results_of={task!r})"
    on_disk = json.loads((ROOT / "results" / task / "results.json").read_text())
    assert carried[task] == json.loads(json.dumps(on_disk)), "notebook and results file come from different runs"


def test_no_key_depends_on_the_run_order():
    """A position in a list whose order the run decides would quote another thing after a rerun."""
    texts = {"answers.md": (ROOT / "answers.md").read_text(), **{p.name: notebook_markdown(p) for p in NOTEBOOKS.values()}}
    positional = [f"{name}: {span.key}" for name, text in texts.items() for span in find_spans(text)
                  if run_ordered(*span.key.split(":", 1))]
    assert not positional, positional
    assert run_ordered("dcgan", "init_study.verdicts.6.mean_gap")
    assert not run_ordered("dcgan", "init_study.ranked.second.mean_gap")


def test_html_spans_are_checked(tmp_path):
    (tmp_path / "results" / "dcgan").mkdir(parents=True)
    (tmp_path / "results" / "dcgan" / "results.json").write_text('{"final": {"fid": 24.96, "share": 0.0712}}')
    good = '<span title="dcgan:final.fid">25.0</span> and <span title="dcgan:final.share" data-scale="100">7.1</span>'
    assert len(find_spans(good)) == 2
    assert check_numbers(good, tmp_path) == []
    bad = check_numbers('<span title="dcgan:final.fid">24.0</span>', tmp_path)
    assert len(bad) == 1 and "results say 25.0" in bad[0]


def test_render_keeps_the_written_format():
    assert render(16.923, "18.0") == "16.9"
    assert render(-2265.94, "\u22122200") == "\u22122266"  # typographic minus kept
    assert render(-2.94, "-1.5") == "-2.9"                  # ASCII minus kept
    assert render(-2.94, "1.5") == "\u22122.9"               # a sign appears: typographic
    assert render(12000, "10,000") == "12,000" and render(256, "12,000") == "256"
    assert render(0.0781, "7.8", scale=100) == "7.8"
    assert render(3, "2") == "3" and render("Shirt", "Coat") == "Shirt"
    with pytest.raises(TypeError):
        render(True, "1")


def test_fill_rewrites_numbers_and_words_and_reports_what_it_cannot_resolve():
    results = {"dcgan": {"final": {"fid": 17.74, "weakest": "Shirt"}, "epochs": [{"s": 26.0}, {"s": 49.2}],
                         "init_study": {"verdicts": [{"gap": 1.0}]}}, "vae": OSError("no file")}
    text = ("FD [16.92]{.result key=\"dcgan:final.fid\"}; weakest <span title=\"dcgan:final.weakest\">Coat</span>; "
            "last [26]{.result key=\"dcgan:epochs.-1.s\"}; gone [1]{.result key=\"dcgan:final.nothing\"}; "
            "<span title=\"dcgan:init_study.verdicts.0.gap\">1.0</span>; [2]{.result key=\"vae:a\"}\n"
            "<!-- [9]{.result key=\"dcgan:final.fid\"} -->")
    filled, problems = fill_text(text, results)
    assert filled.startswith("FD [17.74]{.result key=\"dcgan:final.fid\"}; weakest <span title=\"dcgan:final.weakest\">"
                             "Shirt</span>; last [49]{.result")
    assert "[9]{.result" in filled  # comments are left alone
    assert [p.split("': ", 1)[1] for p in problems] == [
        "no such entry in the dcgan results",
        "indexes a list whose order the run decides (init_study.verdicts); quote a named result",
        "cannot read the vae results (no file)"]
    assert len(check_text(filled, results)) == 3  # the same three, nothing else differs after filling
    assert len(check_text(text, results)) == 6    # before filling, FD, the weakest class and the epoch differ too
