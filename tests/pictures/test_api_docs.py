"""docs/api.md's examples, run as a doctest from the repository root: what the page prints
is what the API gives."""

from __future__ import annotations

import doctest
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_api_md_examples_run() -> None:
    here = Path.cwd()
    os.chdir(ROOT)  # the examples name specs/ relative to the root
    try:
        result = doctest.testfile(
            str(ROOT / "docs" / "api.md"),
            module_relative=False,
            optionflags=doctest.NORMALIZE_WHITESPACE,
            verbose=False,
        )
    finally:
        os.chdir(here)
    assert result.attempted >= 20, result
    assert result.failed == 0, result
