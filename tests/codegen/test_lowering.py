"""One way to find a backend's lowering for a layer kind (codegen/lowering.py): a registry by
layer class through the MRO, its modules discovered; every backend answers `lowering_for` and
`supports` for every kind in the layer registry."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import pytest

import cnncalc.codegen.cuda.ops as ops
from cnncalc.codegen.backend import BACKENDS, backend
from cnncalc.codegen.cuda.lower import LOWERINGS
from cnncalc.codegen.cuda.ops.activations import SIMPLE
from cnncalc.codegen.lowering import Lowerings, Refusal
from cnncalc.layers.activations import ReLU, Simple
from cnncalc.layers.adaptive_pool import AdaptivePool, GlobalPool
from cnncalc.layers.base import Layer
from cnncalc.layers.conv import Conv
from cnncalc.layers.linear import Linear
from cnncalc.layers.registry import types

KINDS = sorted({cls for cls, _ in types().values()}, key=lambda c: c.__name__)


@pytest.mark.parametrize("name", list(BACKENDS))
def test_every_backend_answers_for_every_kind(name: str) -> None:
    """The same question to each backend: a lowering, or a refusal with a reason."""
    made = backend(name)
    for kind in KINDS:
        found = made.lowering_for(kind)
        answer = made.supports(kind)
        assert answer is True or (isinstance(answer, str) and answer), (name, kind)
        assert (answer is True) == (not isinstance(found, Refusal)), (name, kind)


def test_today_both_backends_lower_every_kind() -> None:
    """Every kind is lowered, or (CUDA only) refused on purpose, with a reason."""
    missing = [
        (b, k.__name__)
        for b in BACKENDS
        for k in KINDS
        if backend(b).supports(k) is not True
        and (b == "torch" or not backend(b).lowering_for(k).reason)  # type: ignore[union-attr]
    ]
    assert missing == []


def test_lookup_follows_the_class_hierarchy() -> None:
    """GlobalPool registers nothing of its own: it takes AdaptivePool's lowering."""
    assert LOWERINGS.lowering_for(GlobalPool) is LOWERINGS.lowering_for(AdaptivePool)
    assert not isinstance(LOWERINGS.lowering_for(GlobalPool), Refusal)


def test_every_op_module_is_found_and_registers() -> None:
    """ops/ is discovered, not listed: each of its modules is imported and registers a kind."""
    LOWERINGS.load()
    names = {m.name for m in pkgutil.iter_modules(ops.__path__)}
    assert names == {p.stem for p in Path(ops.__file__).parent.glob("*.py")} - {"__init__"}
    registered = {
        getattr(fn, "__module__", "").rsplit(".", 1)[-1]
        for fn in LOWERINGS.entries.values()
        if not isinstance(fn, Refusal)
    }
    # an explicit refusal is data, not a function: its module is named after the layer's
    registered |= {
        cls.__module__.rsplit(".", 1)[-1]
        for cls, entry in LOWERINGS.entries.items()
        if isinstance(entry, Refusal)
    }
    assert registered == names


def test_a_registry_refuses_by_name_and_rejects_a_second_lowering() -> None:
    reg: Lowerings[object] = Lowerings("test", "cnncalc.codegen.cuda.ops")
    reg.refuses(Conv, reason="no convolutions here", hint="use torch")
    assert reg.supports(Conv) == "no convolutions here"
    assert reg.lowering_for(Conv) == Refusal("no convolutions here", "use torch")
    assert reg.supports(ReLU) == "no lowering is registered for it"

    def one() -> None: ...

    def two() -> None: ...

    reg.lowers(ReLU)(one)
    reg.lowers(ReLU)(one)  # the same function again (a module reloaded): fine
    with pytest.raises(RuntimeError, match="two test lowerings for ReLU"):
        reg.lowers(ReLU)(two)


def test_torch_lowering_is_the_layers_own_method() -> None:
    torch_backend = backend("torch")
    assert torch_backend.lowering_for(Conv) is Conv.torch_modules  # pad + conv: a wrapper
    assert torch_backend.lowering_for(Linear) is Linear.torch_module

    # the base class lowers nothing: a kind that overrides neither method is refused
    assert isinstance(torch_backend.lowering_for(Layer), Refusal)
    why = str(torch_backend.supports(Layer))
    assert "none of torch_modules, torch_module, torch_forward" in why


def test_every_simple_activation_has_its_cuda_statement() -> None:
    assert set(SIMPLE) == set(Simple.TYPES)
