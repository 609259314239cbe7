"""The exported models committed under results/ hold only the model: each `.pt2` is under 5 MB.

An export traced on a slice of the data set stores that slice's whole storage (an earlier encoder.pt2
was 126 MB this way); the notebooks export with small standalone example inputs."""

from conftest import MAX_EXPORT_BYTES, ROOT, exports_too_large


def test_committed_exports_are_small():
    assert list((ROOT / "results").rglob("*.pt2")), "no exported model under results/"
    too_large = exports_too_large(ROOT / "results")
    assert not too_large, f"exports over {MAX_EXPORT_BYTES:,} bytes (example data stored?): {too_large}"
