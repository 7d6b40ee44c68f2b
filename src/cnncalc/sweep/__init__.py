"""Sweeps over a spec's arguments (docs/sweep.md): the variants (space.py), their figures with
work shared across variants (evaluate.py), filters (select.py) and the run itself (run.py)."""

from enum import StrEnum


class SweepFormat(StrEnum):  # here, light: the CLI's declaration reads it
    csv = "csv"
    jsonl = "jsonl"
