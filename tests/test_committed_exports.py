"""The exported models committed under results/ hold only the model: each `.pt2` is under 5 MB.

Fails while `results/vae/encoder.pt2` is the old 126 MB export (it stored its example input, a view
of the whole test set); the next full `make run` with small standalone example inputs replaces it."""

from conftest import MAX_EXPORT_BYTES, ROOT, exports_too_large


def test_committed_exports_are_small():
    assert list((ROOT / "results").rglob("*.pt2")), "no exported model under results/"
    too_large = exports_too_large(ROOT / "results")
    assert not too_large, f"exports over {MAX_EXPORT_BYTES:,} bytes (example data stored?): {too_large}"
