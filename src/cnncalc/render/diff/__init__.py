"""`cnncalc diff` output, one module per format (text, markdown, github, json): data in (a
Diff and the budgets' verdicts), text out; phrases.py holds what they share."""
