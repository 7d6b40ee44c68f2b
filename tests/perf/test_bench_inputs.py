"""benchmarks/run.py measures what it says: its generated spec has the layers it claims, and
its lint corpus is valid specs (lint analyses every file rather than stopping at a YAML error)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from cnncalc.api import analyze, load

ROOT = Path(__file__).resolve().parents[2]


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_generated_spec_has_the_layers_it_is_named_for(tmp_path: Path) -> None:
    bench().generated_spec(tmp_path / "g.yaml", 1000)
    report = analyze(load(tmp_path / "g.yaml"))
    assert len(report.layers) == 1000
    assert report.outputs == ((10,),)


def test_lint_corpus_is_valid_specs(tmp_path: Path) -> None:
    layers = bench().lint_corpus(tmp_path, 40)
    files = sorted(tmp_path.glob("*.yaml"))
    assert len(files) == 40
    assert sum(len(analyze(load(f)).layers) for f in files) == layers  # SpecError: not valid


def test_documented_benchmark_commands_exist() -> None:
    """Each `python benchmarks/X.py --flag` in docs/performance.md names a script that takes
    that flag (the runs themselves take minutes: not a test)."""
    doc = (ROOT / "docs" / "performance.md").read_text()
    commands = re.findall(r"python (benchmarks/\w+\.py)((?: --?[\w-]+(?: -?\d+)?)*)", doc)
    assert {script for script, _ in commands} >= {"benchmarks/run.py", "benchmarks/stages.py"}
    for script, flags in commands:
        shown = subprocess.run(
            [sys.executable, script, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60
        )
        assert shown.returncode == 0, shown.stderr
        for flag in re.findall(r"--[\w-]+", flags):
            assert flag in shown.stdout, f"{script} has no {flag}"
