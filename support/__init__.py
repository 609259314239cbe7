"""Command-line tools around the assignment, not part of it: TensorBoard screenshots, answers.pdf, the
answer-number check and the submission zip (run them through `make`, see README). No notebook imports
anything from here; the notebooks are self-contained."""
