"""The weights file: the generated torch module's state_dict, its floating-point tensors in its
order, so that `torch.cat([t.flatten() for t in state_dict().values()])` (less the integer
num_batches_tracked) is the file.

Names come from the torch backend (codegen/pytorch.py): a layer's module sits at the path it
reports; a layer whose module is an nn.Sequential (a padding module before a convolution)
has its parameters in the last element, and a layer with `activation:` becomes
nn.Sequential(module, activation), so its parameters are under `.0` (the activation's under
`.1`). state_dict lists modules in the order their containers were first filled, which groups
a block's layers together: the tensors are sorted by that tree order, not by layer order."""

from __future__ import annotations

import ast
from dataclasses import replace

from cnncalc.analysis.engine import LayerStats, Report
from cnncalc.codegen.source import ast_parse_expr
from cnncalc.errors import CnncalcError

from .ir import Prep, RawTensor, Step


def prefixes(report: Report) -> dict[str, tuple[str, str]]:
    """layer name -> (prefix of its own tensors, prefix of its activation's), each ending '.'."""
    try:
        from cnncalc.codegen import generate

        modules = generate(report, "torch").modules
    except (CnncalcError, ImportError):
        modules = {}  # the torch backend cannot write this spec: cnncalc's names then
    return {s.name: _prefix(s, modules.get(s.name, s.name)) for s in report.layers}


def _prefix(stats: LayerStats, base: str) -> tuple[str, str]:
    layer = stats.node.layer
    try:
        text = layer.torch_module(stats.input_shapes[0], stats.output_shape)
    except Exception:  # a layer the torch backend cannot lower has no module to follow
        text = None
    if text is None:  # a forward expression; with an activation, that is the module
        return f"{base}.", f"{base}."
    parts = 1
    call = ast_parse_expr(text).body
    if isinstance(call, ast.Call) and ast.unparse(call.func) == "nn.Sequential":
        parts = len(call.args)
        return f"{base}.{parts - 1}.", f"{base}.{parts}."
    if layer.activation is not None:
        return f"{base}.0.", f"{base}.1."
    return f"{base}.", f"{base}."


def tree_order(names: list[str]) -> dict[str, tuple[int, ...]]:
    """Each layer's position in the module tree: per dotted level, the order in which that
    name first appeared among its siblings (as the torch backend fills its containers)."""
    seen: dict[tuple[str, ...], dict[str, int]] = {}
    order: dict[str, tuple[int, ...]] = {}
    for name in names:
        parts = name.split(".")
        key = []
        for depth, part in enumerate(parts):
            siblings = seen.setdefault(tuple(parts[:depth]), {})
            key.append(siblings.setdefault(part, len(siblings)))
        order[name] = tuple(key)
    return order


def reorder(
    raw: list[RawTensor], steps: list[Step], order: dict[str, tuple[int, ...]]
) -> list[RawTensor]:
    """Lay the tensors out in state_dict order; point the load program at the new offsets."""
    ranked = sorted(enumerate(raw), key=lambda p: (order.get(p[1].layer, ()), p[0]))
    moved: dict[int, int] = {}
    out: list[RawTensor] = []
    at = 0
    for _, t in ranked:
        moved[t.offset] = at
        out.append(replace(t, offset=at))
        at += t.size
    for s in steps:
        s.prep = [_remap(p, moved) for p in s.prep]
    return out


def _remap(p: Prep, moved: dict[int, int]) -> Prep:
    a = list(p.args)
    if p.op == "copy":
        a[1] = moved[int(a[1])]
    elif p.op == "bn":
        for k in range(3, 7):
            if int(a[k]) >= 0:
                a[k] = moved[int(a[k])]
    return Prep(p.op, tuple(a))
