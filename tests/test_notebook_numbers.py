"""Numbers quoted in the notebooks' prose equal the saved results: each notebook states its findings
in words after the run, and every measured number in that prose is an HTML span naming its source,
e.g. <span title="dcgan:final.frechet_distance">25.0</span> (see support/answer_numbers.py)."""

import pytest
from conftest import DCGAN_NOTEBOOK, ROOT, VAE_NOTEBOOK

from support.answer_numbers import check_numbers, find_spans, notebook_markdown


@pytest.mark.parametrize("notebook", [DCGAN_NOTEBOOK, VAE_NOTEBOOK], ids=lambda p: p.stem)
def test_numbers_in_notebook_prose_match_results(notebook):
    text = notebook_markdown(notebook)
    assert find_spans(text), f"{notebook.name} quotes no checked result in its prose"
    problems = check_numbers(text, ROOT, notebook.name)
    assert not problems, "notebook prose quotes numbers that differ from results/*.json:\n" + "\n".join(problems)


def test_html_spans_are_checked(tmp_path):
    (tmp_path / "results" / "dcgan").mkdir(parents=True)
    (tmp_path / "results" / "dcgan" / "results.json").write_text('{"final": {"fid": 24.96, "share": 0.0712}}')
    good = '<span title="dcgan:final.fid">25.0</span> and <span title="dcgan:final.share" data-scale="100">7.1</span>'
    assert len(find_spans(good)) == 2
    assert check_numbers(good, tmp_path) == []
    bad = check_numbers('<span title="dcgan:final.fid">24.0</span>', tmp_path)
    assert len(bad) == 1 and "results say 25.0" in bad[0]
