"""Saved-for-backward bytes of the kinds declared past the first batch (docs/memory.md),
proven as tests/torch/test_memory.py proves the rest: the generated module's unique
non-parameter storages under saved_tensors_hooks. Random graphs over every kind codegen lowers
(hypothesis), where cnncalc counts exactly or refuses by name (E130); the strides the walk
follows (layers/layout.py) against torch's own; and each new kind over its arguments, dtypes,
batch sizes and on views."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from cnncalc.analysis.memory import saved_bytes
from cnncalc.api import analyze, loads
from cnncalc.errors import SpecError
from cnncalc.layers.layout import elementwise, is_channels_last, laid_out, view
from tests.codegen.strategies import networks
from tests.torch.test_memory import DTYPES, spec, torch_saved

torch = pytest.importorskip("torch")

dtypes = st.sampled_from(sorted(DTYPES))


def check(text: str, batch: int = 2, dtype: str = "float32") -> None:
    report = analyze(loads(text))
    assert saved_bytes(report, batch, dtype).saved == torch_saved(report, batch, dtype)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(net=networks(graph=True), batch=st.integers(1, 3), dtype=dtypes)
def test_random_graphs_count_exactly_or_refuse(net: dict[str, Any], batch: int, dtype: str) -> None:
    """Any graph of any kinds (views, pieces of splits, merges, attention): cnncalc's figure
    is torch's, or cnncalc refuses the layer by name (E130)."""
    text = yaml.safe_dump(net, sort_keys=False)
    try:
        report = analyze(loads(text))
    except SpecError:
        assume(False)
    try:
        got = saved_bytes(report, batch, dtype).saved
    except SpecError as err:
        assert "E130" in str(err), str(err)
        event("refused")
        return
    event("counted")
    assert got == torch_saved(report, batch, dtype)
