"""Random valid specs (the torch backend's hypothesis strategies: sequential nets over every
layer kind, graphs with shortcuts, merges, splits, blocks): the CUDA backend generates each, its
weights layout is the generated torch module's state_dict, and a few of them, built for the
CPU emulation, compute what the torch module computes."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import cu_reference as reference
import pytest
import torch
import yaml
from cu_build import GXX, emulated
from cu_cases import torch_class, torch_layout
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cnncalc.api import analyze, loads
from cnncalc.codegen.cuda import CudaModule, generate
from cnncalc.errors import SpecError
from tests.codegen.strategies import block_networks, networks

SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


# what the backend refuses on purpose (docs/cuda.md): anything else must generate
REFUSED = ("track_running_stats", "'bicubic'", "'multiheadattention'", "'matmul'",
           "'shiftedwindowattention'", "'relativepositionbias'", "'shiftedwindowattentionv2'",
           "'shiftedwindowattention3d'", "op alone", "'headwiseconv3d'",
           "'multiscaleattention'", "'positionalencoding'")  # fmt: skip


def _report(spec: dict[str, Any]) -> Any:
    return analyze(loads(yaml.safe_dump(spec, sort_keys=False), "random.yaml"))


def _generate(rep: Any, form: str) -> CudaModule | None:
    try:
        return generate(rep, form)  # type: ignore[arg-type]
    except SpecError as err:
        for p in err.problems:
            assert p.code == "E301" and any(r in p.message for r in REFUSED), p.format()
        return None


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(
    spec=st.one_of(networks(graph=False), networks(graph=True), block_networks()),
    form=st.sampled_from(["auto", "layered"]),
)
def test_every_random_spec_generates_with_the_torch_layout(spec: dict[str, Any], form: str) -> None:
    rep = _report(spec)
    module = _generate(rep, form)
    if module is None:
        return
    assert [(w.key, w.shape) for w in module.weights] == torch_layout(rep), yaml.safe_dump(spec)


@pytest.mark.skipif(GXX is None, reason="g++ is not installed: cannot build the CPU emulation")
@settings(max_examples=6, deadline=None, suppress_health_check=SLOW)
@given(spec=networks(graph=True), form=st.sampled_from(["fused", "layered"]))
@example(  # an output that cancels to ~0: found by a run, failed a purely relative check
    spec={
        "name": "random graph",
        "input": {"channels": 1, "height": 4, "width": 4},
        "layers": [
            {"type": "groupnorm", "num_groups": 1, "affine": False},
            {"type": "globalavgpool2d"},
        ],
    },
    form="fused",
)
def test_random_specs_compute_what_torch_computes(spec: dict[str, Any], form: str) -> None:
    rep = _report(spec)
    module = _generate(rep, form)
    if module is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        gen = emulated(module, Path(tmp))
        weights = reference.random_weights([(w.key, w.shape) for w in module.weights])
        model = gen.Model(gen.pack({k: v.float() for k, v in weights.items()}))
        x = torch.randn(2, *module.input_shape)
        ys = model(x)
        model.close()
    ys = ys if isinstance(ys, list) else [ys]
    torch_model = torch_class(rep)().double().eval()
    state = torch_model.state_dict()
    state.update(weights)
    torch_model.load_state_dict(state)
    with torch.no_grad():
        refs = torch_model(x.double())
    refs = list(refs) if isinstance(refs, tuple) else [refs]
    for y, ref in zip(ys, refs, strict=True):
        assert not torch.isnan(y).any()
        diff = (y.double() - ref).norm().item()
        # 1e-5 relative, with a float32 floor for outputs that cancel to ~0 (the mean of a
        # group norm's output is 0: torch's float64 gives 5e-17, float32 1e-9; relative to
        # that, any float32 result is "wrong")
        allowed = 1e-5 * ref.norm().item() + 1e-6 * math.sqrt(ref.numel())
        assert diff <= allowed, (diff, allowed, yaml.safe_dump(spec))
