"""Helpers that are not part of the assignment itself: dataset staging, run bookkeeping,
TensorBoard screenshots and the submission package. The notebooks import from here."""
