"""Run one layer through cnncalc (a real YAML spec, loaded and analysed) and through torch's own
module, and compare: both accept with equal shape, parameters, buffers and MACs, or both refuse
(cnncalc with a located message). torch is the authority; cnncalc's formulas are not consulted."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import yaml
from torch.utils.flop_counter import FlopCounterMode

from cnncalc.api import analyze, loads
from cnncalc.errors import SpecError

FILE = "case.yaml"
LAYER = "L"
# the spec's input keys for a shape of each rank, channels first
INPUT_KEYS = {
    1: ("features",),
    2: ("channels", "length"),
    3: ("channels", "height", "width"),
    4: ("channels", "depth", "height", "width"),
}
# what torch raises for a configuration it refuses (interpolate raises NotImplementedError for
# a mode that does not fit the input's rank). Tensors are small and on the CPU: the meta device
# skips some of torch's checks (output_padding, indices), so it cannot judge refusals.
REFUSALS = (RuntimeError, ValueError, TypeError, IndexError, AssertionError, NotImplementedError)


@dataclass(frozen=True)
class Outcome:
    shape: tuple[int, ...]
    trainable: int
    fixed: int
    buffers: int
    macs: int


def spec_text(layer: dict[str, Any], shape: tuple[int, ...]) -> str:
    spec = {
        "name": "case",
        "input": dict(zip(INPUT_KEYS[len(shape)], shape, strict=True)),
        "layers": [{"name": LAYER, **layer}],
    }
    return yaml.safe_dump(spec, sort_keys=False)


def cnncalc_outcome(layer: dict[str, Any], shape: tuple[int, ...]) -> Outcome | SpecError:
    try:
        rep = analyze(loads(spec_text(layer, shape), FILE))
    except SpecError as err:
        return err
    s = rep.layers[-1]
    c = s.counts
    figures = (*s.output_shape, c.trainable, c.fixed, c.buffers, c.macs)
    ints = [d for d in figures if isinstance(d, int)]
    assert len(ints) == len(figures), figures  # concrete input: every figure is a number
    *out, trainable, fixed, buffers, macs = ints
    return Outcome(tuple(out), trainable, fixed, buffers, macs)


def torch_outcome(
    make: Callable[[], torch.nn.Module], shape: tuple[int, ...], batch: int = 1, device: str = "cpu"
) -> Outcome | BaseException:
    """Build the module and run it on a (batch, *shape) tensor; FLOPs from FlopCounterMode."""
    try:
        with warnings.catch_warnings(record=True) as caught, torch.device(device):
            warnings.simplefilter("always")
            m = make()
            x = torch.empty(batch, *shape)
            with FlopCounterMode(display=False) as fc:
                y = m(x)
    except REFUSALS as err:
        return err
    # "deprecated and will result in an error in a future release" counts as a refusal
    for w in caught:
        if "will result in an error" in str(w.message):
            return RuntimeError(str(w.message))
    if y.numel() == 0:
        return RuntimeError(f"empty output {tuple(y.shape)}")
    params = list(m.parameters())
    flops = fc.get_total_flops()
    assert flops % (2 * batch) == 0, flops
    return Outcome(
        tuple(y.shape[1:]),
        sum(p.numel() for p in params if p.requires_grad),
        sum(p.numel() for p in params if not p.requires_grad),
        sum(b.numel() for b in m.buffers()),
        flops // (2 * batch),  # MACs = FLOPs / 2, per sample
    )


_POS = re.compile(rf"^{re.escape(FILE)}:(\d+):(\d+)$")


def assert_located(err: SpecError) -> None:
    """Every problem names file:line:column inside the spec, and the layer."""
    assert err.problems
    for p in err.problems:
        m = _POS.match(str(p.pos))
        assert m and int(m.group(1)) >= 1 and int(m.group(2)) >= 1, p.format()
        assert p.layer == LAYER, p.format()
        assert p.message, p.format()
        assert "Traceback" not in p.message


def agree(
    layer: dict[str, Any],
    shape: tuple[int, ...],
    make: Callable[[], torch.nn.Module],
    *,
    batch: int = 1,
    device: str = "cpu",
    stricter: bool = False,
) -> Outcome | None:
    """Assert cnncalc and torch agree on `layer` over an input of `shape` (batch excluded).

    `stricter`: a case where cnncalc refuses on purpose what torch accepts (e.g. torch
    reading the batch as a channel); cnncalc must then refuse with a located message."""
    mine = cnncalc_outcome(layer, shape)
    theirs = torch_outcome(make, shape, batch, device)
    where = f"{layer} on input {shape}"
    if stricter:
        assert isinstance(mine, SpecError), f"cnncalc was expected to refuse {where}, gave {mine}"
        assert_located(mine)
        return None
    if isinstance(theirs, BaseException):
        assert isinstance(mine, SpecError), (
            f"torch refuses {where} ({type(theirs).__name__}: {str(theirs)[:200]}) "
            f"but cnncalc accepts it: {mine}"
        )
        assert_located(mine)
        return None
    assert not isinstance(mine, SpecError), (
        f"cnncalc refuses {where}, torch gives {theirs}:\n{mine}"
    )
    assert mine == theirs, f"{where}: cnncalc {mine} != torch {theirs}"
    return mine
