"""docs/robustness.md's tables and these tests agree: every row names a test that exists, and
every test here is a row (so the table is complete and each row is proven)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

HERE = Path(__file__).parent
DOC = (HERE.parents[1] / "docs" / "robustness.md").read_text(encoding="utf-8")


def row_tests() -> set[str]:
    out = set()
    for f in HERE.glob("test_*.py"):
        for node in ast.parse(f.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                out.add(f"{f.name}::{node.name}")
    return out


def test_every_row_names_a_real_test_and_every_test_has_a_row() -> None:
    named = set(re.findall(r"`(test_\w+\.py::test_\w+)`", DOC))
    whole_files = set(re.findall(r"`(test_\w+\.py)` \(\d+ tests\)", DOC))
    real = row_tests()
    assert named - real == set(), "rows naming tests that do not exist"
    covered = named | {t for t in real if t.split("::")[0] in whole_files}
    missing = {t for t in real - covered if not t.startswith("test_doc_table.py")}
    assert missing == set(), "tests without a row in docs/robustness.md"
    for f in whole_files:
        count = int(re.search(rf"`{re.escape(f)}` \((\d+) tests\)", DOC).group(1))  # type: ignore[union-attr]
        assert count == sum(t.startswith(f + "::") for t in real), f


def test_rows_naming_tests_elsewhere_name_real_tests() -> None:
    """Rows may name tests outside tests/robustness by their path: those exist too."""
    root = HERE.parents[1]
    named = set(re.findall(r"`(tests/[\w/]+\.py)((?:::test_\w+)?)`", DOC))
    assert named, "no row names a test by its path"
    for path, test in named:
        f = root / path
        assert f.is_file(), path
        if test:
            tree = ast.parse(f.read_text(encoding="utf-8"))
            defs = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            assert test[2:] in defs, path + test
