"""docs/adding-a-layer.md lists every place a new layer kind touches. This walks the layer
registry (every Layer class, with its type names) and checks each kind has the items that page
marks as checked; a failure says what to add where. The page's file list must name files that
exist."""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest
from core_util import ROOT
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from cnncalc.codegen.backend import backend
from cnncalc.codegen.lowering import Refusal
from cnncalc.layers import registry
from cnncalc.layers.base import Layer
from tests.codegen import strategies

DOC = ROOT / "docs" / "adding-a-layer.md"
HOW = "(docs/adding-a-layer.md)"

_types: dict[type[Layer], set[str]] = {}
for _cls, _name in registry.types().values():
    _types.setdefault(_cls, set()).add(_name)
KINDS = {cls: sorted(names) for cls, names in sorted(_types.items(), key=lambda c: c[0].__name__)}


def where(kind: type[Layer]) -> str:
    return f"{kind.__name__} (src/cnncalc/layers/{kind.__module__.rsplit('.', 1)[1]}.py)"


def test_the_page_names_files_that_exist() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:src|tests|docs)/[\w/.<>-]+)`", text))
    assert {
        "src/cnncalc/layers/<kind>.py",
        "src/cnncalc/layers/registry.py",
        "src/cnncalc/codegen/cuda/ops/<kind>.py",
        "docs/counting.md",
        "tests/codegen/strategies.py",
        "tests/torch/test_state_declaration.py",
    } <= named, "docs/adding-a-layer.md: the file table lost one of the checked files"
    for path in sorted(named):
        # a new file (<kind>): its folder exists
        target = ROOT / path if "<" not in path else (ROOT / path).parent
        assert target.exists(), f"docs/adding-a-layer.md names {path}, which does not exist"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_counting_doc_has_its_row(kind: type[Layer]) -> None:
    table = (ROOT / "docs" / "counting.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(\w+)`", table.split("## Per layer kind", 1)[1]))
    missing = [t for t in KINDS[kind] if t not in documented]
    assert not missing, (
        f"{where(kind)}: add a row naming {' '.join(f'`{t}`' for t in missing)} to the "
        f"'Per layer kind' table of docs/counting.md {HOW}"
    )


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_torch_lowers_it(kind: type[Layer]) -> None:
    answer = backend("torch").supports(kind)
    assert answer is True, (
        f"{where(kind)}: the torch backend cannot generate it ({answer}); define torch_module, "
        f"torch_modules or torch_forward in its layer file {HOW}"
    )


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_cuda_lowers_it_or_refuses_it_on_purpose(kind: type[Layer]) -> None:
    found = backend("cuda").lowering_for(kind)
    assert not isinstance(found, Refusal) or found.reason, (
        f"{where(kind)}: nothing in src/cnncalc/codegen/cuda/ops/ lowers it; add a module there "
        f"with @lowers({kind.__name__}), or refuse it explicitly: "
        f'LOWERINGS.refuses({kind.__name__}, reason="…", hint="…") {HOW}'
    )


def _drawn_types(drawn: Any) -> set[str]:
    """Every layer type in a drawn layer or spec: `type` values and `activation:` shorthands
    (also inside groups and blocks); block-use names are not layer types and drop out."""
    found: set[str] = set()
    if isinstance(drawn, dict):
        for key, value in drawn.items():
            if key in ("type", "activation") and isinstance(value, str):
                found.add(value)
            found |= _drawn_types(value)
    elif isinstance(drawn, list):
        for value in drawn:
            found |= _drawn_types(value)
    return found


# what the random-spec tests draw from: layers for each input rank, and whole specs (merges,
# splits, blocks)
SHAPES = [(4, 6), (4, 5, 5), (4, 3, 3, 3)]
DRAWN = st.one_of(
    *(strategies.spatial_layer(x) for x in SHAPES),
    strategies.flat_layer((12,)),
    strategies.networks(graph=True),
    strategies.block_networks(),
)
SEARCH = settings(
    max_examples=2000,
    derandomize=True,  # the same examples every run: a kind found once is always found
    database=None,
    deadline=None,
    phases=[Phase.generate],  # no shrinking: any example that draws the kind will do
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_a_hypothesis_strategy_draws_it(kind: type[Layer]) -> None:
    names = set(KINDS[kind])

    def draws_it(drawn: Any) -> bool:
        return any(
            (found := registry.lookup(t)) is not None and found[1] in names
            for t in _drawn_types(drawn)
        )

    try:
        find(DRAWN, draws_it, settings=SEARCH)
    except NoSuchExample:
        pytest.fail(
            f"{where(kind)}: no strategy in tests/codegen/strategies.py draws any of "
            f"{', '.join(KINDS[kind])}; add it to spatial_layer or flat_layer {HOW}"
        )


def _state_kinds() -> set[str]:
    """The class names keyed in tests/torch/test_state_declaration.py's KINDS (read, not
    imported: that module imports torch)."""
    tree = ast.parse((ROOT / "tests" / "torch" / "test_state_declaration.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "KINDS" for t in node.targets
        ):
            assert isinstance(node.value, ast.Dict)
            return {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
    raise AssertionError("tests/torch/test_state_declaration.py has no KINDS")


@pytest.mark.parametrize(
    "kind", [k for k in KINDS if k.state is not Layer.state], ids=lambda k: k.__name__
)
def test_a_kind_with_state_has_its_state_declaration_test(kind: type[Layer]) -> None:
    assert kind.__name__ in _state_kinds(), (
        f"{where(kind)} declares state: add {kind.__name__!r}: (a strategy for its fields, "
        f"whether its input is flat) to KINDS in tests/torch/test_state_declaration.py {HOW}"
    )
