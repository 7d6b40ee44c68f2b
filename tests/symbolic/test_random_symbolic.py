"""Random specs (the codegen tests' strategies: every layer kind, graphs with merges and
splits) with their spatial sizes symbolic from the drawn size up: where the symbolic analysis
succeeds, its figures evaluated at larger sizes are the concrete engine's."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from cnncalc.api import loads
from cnncalc.errors import SpecError
from cnncalc.spec.network import Network
from tests.codegen.strategies import networks
from tests.symbolic.kit import agrees, spatial, symbolic
from tests.symbolic.windows import window_nets

SPAN = 24  # sizes checked above the drawn one


def check(spec: dict[str, Any], bounded: bool, data: st.DataObject) -> None:
    text = yaml.safe_dump(spec, sort_keys=False)
    note(text)
    net: Network = loads(text, "random.yaml")
    names = list(spatial(net))
    if not names:
        return
    low = {n: int(net.input_shape[i]) for n, i in spatial(net).items()}
    high = {n: low[n] + SPAN for n in names} if bounded else None
    try:
        sym = symbolic(net, low, high)
    except SpecError as err:
        # refused for some allowed size: a fixed-size layer (layernorm, reshape, a fixed
        # in_features) or a bound the engine could not prove; the drawn size itself works
        note(str(err))
        return
    envs = [low] + [
        {n: data.draw(st.integers(low[n], low[n] + SPAN)) for n in names} for _ in range(6)
    ]
    assert agrees(sym, net, low)  # the drawn size is accepted by construction
    for env in envs[1:]:
        agrees(sym, net, env)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=networks(graph=False), bounded=st.booleans(), data=st.data())
def test_random_sequential_nets(spec: dict[str, Any], bounded: bool, data: st.DataObject) -> None:
    check(spec, bounded, data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=networks(graph=True), data=st.data())
def test_random_graphs(spec: dict[str, Any], data: st.DataObject) -> None:
    check(spec, True, data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=window_nets(), bounded=st.booleans(), data=st.data())
def test_random_window_chains(spec: dict[str, Any], bounded: bool, data: st.DataObject) -> None:
    """Deeper chains of strided, dilated, padded windows (tf_same, ceil_mode) over larger
    sizes, where floors nest and the simplifier earns its keep."""
    check(spec, bounded, data)
