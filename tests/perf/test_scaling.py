"""Cost must grow with the number of layers only: counted work, not timed. Each layer mapping
is validated once; nothing suggests names or re-walks the spec per layer; and the Python calls
made to load, analyse and render a spec grow in proportion to its layers."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from cnncalc.api import SpecError, analyze, load
from cnncalc.errors import Problem
from cnncalc.layers import registry
from cnncalc.layers.base import Layer
from cnncalc.render.json import render
from cnncalc.spec import load as load_mod

ROOT = Path(__file__).resolve().parents[2]


def chain(path: Path, layers: int) -> Path:
    """conv/batchnorm/relu repeated, then a classifier: what benchmarks/run.py generates."""
    body = [
        "  - {type: conv2d, out_channels: 8, kernel_size: 3, padding: 1}",
        "  - {type: batchnorm2d}",
        "  - {type: relu}",
    ]
    lines = ["name: chain", "input: {channels: 8, height: 16, width: 16}", "layers:"]
    lines += [body[i % 3] for i in range(layers - 2)]
    lines += ["  - {type: flatten}", "  - {type: linear, out_features: 10}"]
    path.write_text("\n".join(lines) + "\n")
    return path


@contextmanager
def counting_validations() -> Iterator[Counter[str]]:
    """Count Layer.model_validate calls by class, the one way the loader builds a layer."""
    counts: Counter[str] = Counter()
    own = Layer.__dict__.get("model_validate")
    original = Layer.model_validate.__func__  # type: ignore[attr-defined]

    def validate(cls: type[Layer], *args: Any, **kwargs: Any) -> Any:
        counts[cls.__name__] += 1
        return original(cls, *args, **kwargs)

    Layer.model_validate = classmethod(validate)  # type: ignore[assignment, method-assign]
    try:
        yield counts
    finally:
        if own is None:
            del Layer.model_validate  # back to pydantic's, inherited from BaseModel
        else:
            Layer.model_validate = own  # type: ignore[method-assign]


@pytest.mark.parametrize("layers", [30, 300])
def test_each_layer_is_validated_once(tmp_path: Path, layers: int) -> None:
    with counting_validations() as counts:
        net = load(chain(tmp_path / "s.yaml", layers))
    assert len(net.nodes) == layers
    assert sum(counts.values()) == layers


def test_blocks_validate_each_expanded_layer_once() -> None:
    """ResNet-50's 175 layers come from blocks with expressions: still one validation each
    (block definitions are not validated again per use or per repeat)."""
    with counting_validations() as counts:
        net = load(ROOT / "specs" / "resnet50.yaml")
    assert len(net.nodes) == 175
    assert sum(counts.values()) == 175


def test_a_valid_spec_never_computes_suggestions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'did you mean' runs difflib over all names: fine once for an error, quadratic per layer."""
    calls: list[str] = []

    def suggest(word: str, choices: list[str]) -> str:
        calls.append(word)
        return ""

    monkeypatch.setattr(registry, "suggest", suggest)
    analyze(load(chain(tmp_path / "s.yaml", 200)))
    analyze(load(ROOT / "specs" / "resnet50.yaml"))
    assert calls == []


def python_calls(fn: Callable[[], object]) -> int:
    """Function calls (Python and C) made while running fn."""
    n = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal n
        if event in ("call", "c_call"):
            n += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return n


def test_work_grows_linearly_with_layers(tmp_path: Path) -> None:
    small, large = chain(tmp_path / "small.yaml", 300), chain(tmp_path / "large.yaml", 1200)
    analyze(load(small))  # build the validators first: a one-off cost, not per layer

    def run(path: Path) -> Callable[[], object]:
        return lambda: render(analyze(load(path)), True, "float32", False)

    ratio = python_calls(run(large)) / python_calls(run(small))
    assert 3.6 < ratio < 4.4, f"4× the layers made {ratio:.2f}× the calls"


def bad_refs(path: Path, n: int, through_blocks: bool) -> Path:
    """n layers, then n layers that each read a misspelt name (benchmarks/bad_refs.py)."""
    extra = ", if: true" if through_blocks else ""  # spec/blocks.py resolves these
    lines = ["name: bad", "input: {channels: 4, height: 8, width: 8}", "layers:"]
    lines += [f"  - {{name: conv_{k}, type: relu}}" for k in range(n)]
    lines += [f"  - {{type: relu, from: conv_{k}_typo{extra}}}" for k in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def load_errors(path: Path) -> list[Problem]:
    with pytest.raises(SpecError) as err:
        load(path)
    return err.value.problems


@pytest.mark.parametrize("through_blocks", [False, True], ids=["loader", "blocks"])
def test_unresolved_references_cost_grows_linearly(
    tmp_path: Path, through_blocks: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each unresolved `from:` scanned every name for a suggestion (and blocks rescanned every
    problem reported): 10,000 of them took 15 minutes. Suggestions now share one budget of
    names compared, so 4× the bad references make about 4× the calls, not 16×."""
    monkeypatch.setattr(load_mod, "MAX_SUGGEST_WORK", 2_000)  # a smaller budget: a faster test
    small = bad_refs(tmp_path / "small.yaml", 200, through_blocks)
    large = bad_refs(tmp_path / "large.yaml", 800, through_blocks)
    load_errors(small)  # build the validators first
    ratio = python_calls(lambda: load_errors(large)) / python_calls(lambda: load_errors(small))
    assert ratio < 4.4, f"4× the bad references made {ratio:.2f}× the calls"


@pytest.mark.parametrize("through_blocks", [False, True], ids=["loader", "blocks"])
def test_suggestions_are_the_same_until_their_budget_is_spent(
    tmp_path: Path, through_blocks: bool
) -> None:
    problems = load_errors(bad_refs(tmp_path / "s.yaml", 1000, through_blocks))
    assert len(problems) == 1000
    hints = [p.hint for p in problems]
    # the first ones as ever: difflib's best matches among the names above
    above = ["input", *(f"conv_{k}" for k in range(1000))]
    for k in (0, 5):
        assert hints[k] == registry.suggest(f"conv_{k}_typo", above) != ""
    suggested = sum(h.startswith("did you mean") for h in hints)
    assert 0 < suggested <= load_mod.MAX_SUGGEST_WORK // 1000 + 1
    # past the budget, the plain hint, the same message otherwise
    assert hints[-1] == "name a layer defined above this one, or 'input'"
    assert problems[-1].message == "from: 'conv_999_typo' is not an earlier layer"
