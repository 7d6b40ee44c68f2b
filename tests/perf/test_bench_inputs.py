"""benchmarks/run.py measures what it says: its generated spec has the layers it claims, and
its lint corpus is valid specs (lint analyses every file rather than stopping at a YAML error)."""

from __future__ import annotations

import importlib.util
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
