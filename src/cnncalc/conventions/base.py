"""What a convention reads of one layer: cnncalc's counts, and the calls its generated torch
code makes (`Layer.ops`), with the module holding its parameters. No counting rule here: each
convention is one module beside this one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cnncalc.analysis.engine import LayerStats
from cnncalc.layers.base import Op, Tensor, numel
from cnncalc.sym import Dim


@dataclass(frozen=True, slots=True)
class Seen:
    """One layer: its stats, the ops of its lowering (the layer's own, then its `activation:`
    shorthand's; None where a kind does not declare them), and the class and parameters of
    the module that holds its state."""

    stats: LayerStats
    ops: tuple[Op, ...] | None
    owner: str | None
    params: tuple[Tensor, ...]


def seen(stats: LayerStats) -> Seen:
    layer = stats.node.layer
    inputs = stats.input_shapes
    y = layer.infer(inputs)  # before the shorthand activation
    ops = layer.ops(inputs, y)
    act = layer.activation
    if ops is not None and act is not None:
        more = act.ops([y], stats.output_shape)
        ops = None if more is None else ops + more
    state = tuple(t for t in layer.state(inputs[0], y) if t.kind != "buffer") if inputs else ()
    owner = layer.torch_class(inputs[0], y) if ops is not None else None
    return Seen(stats, ops, owner, state)


@dataclass(frozen=True, slots=True)
class Convention:
    """A way of counting: its name (`--convention`), the tool and figure it reproduces, its
    unit, a one-line reason it differs from cnncalc's MACs, and its rule per layer. `count`
    returns None where the layer's ops are not declared; `flag`, a known miscount of the
    tool's on that layer (an op it counts as zero, or twice), else None."""

    name: str
    title: str
    unit: str  # "MACs" or "FLOPs", as the tool calls its figure
    reason: str
    count: Callable[[Seen], Dim | None]
    flag: Callable[[Seen], str | None] = lambda s: None
    needs_ops: bool = True


def elements(shape: tuple[Dim, ...]) -> Dim:
    return numel(shape)


def kernel_macs(s: Seen) -> Dim | None:
    """MACs of torch's matmul and convolution kernels: what FlopCounterMode halves."""
    return None if s.ops is None else sum((op.macs for op in s.ops), start=0)


def zero_for_macs(s: Seen, got: Dim | None, tool: str) -> str | None:
    """The usual flag: the tool counts nothing where the layer multiplies by weights."""
    macs = s.stats.counts.macs
    if got == 0 and isinstance(macs, int) and macs > 0:
        return f"{tool} counts 0 for {s.stats.name} (cnncalc: {macs:,} MACs)"
    return None
