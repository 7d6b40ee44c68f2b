"""X401: a figure the author states (`expect:`) differs from the computed one."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cnncalc.analysis.engine import LayerStats
from cnncalc.errors import Pos
from cnncalc.layers.base import Expect, Shape, fmt, shape_str
from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.rule import Context, Rule
from cnncalc.sym import Dim, parse

# Expect key -> the Counts field it states; the spec-level keys state the totals.
COUNTED = {
    "params": "params",
    "trainable_params": "trainable",
    "non_trainable_params": "fixed",
    "connections": "connections",
    "macs": "macs",
}
TOTALS = {f"total_{k}": v for k, v in COUNTED.items() if k != "non_trainable_params"}


class Expectation(Rule):
    """A stated figure (`expect:`) differs from the computed one.

    Architecture tables get copied from papers, blogs and older code, and some are wrong. A
    layer may state what its author believes it produces — `expect: {output_shape: [6, 28,
    28], params: 156}` with any of output_shape, params, trainable_params,
    non_trainable_params, connections, macs — and the spec may state totals (`expect:
    {total_params: 60000}`: total_params, total_trainable_params, total_connections,
    total_macs, or output_shape for the network's output). Each stated figure is compared
    with the computed one and the difference reported; for a sliding window, the finding
    also says which padding would give the stated shape. This is how the often-copied
    "modern LeNet" (C1 with padding 1 on 32×32, stated as 6×28×28) gets caught.

    Bad::

        name: modern-lenet-c1
        input: {channels: 1, height: 32, width: 32}
        layers:
          - {name: C1, type: conv2d, out_channels: 6, kernel_size: 5, padding: 1,
             expect: {output_shape: [6, 28, 28], params: 156}}

    Good::

        name: lenet-c1
        input: {channels: 1, height: 32, width: 32}
        expect: {total_params: 156}
        layers:
          - {name: C1, type: conv2d, out_channels: 6, kernel_size: 5,
             expect: {output_shape: [6, 28, 28], params: 156}}
    """

    code = "X401"
    name = "expectation"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Finding]:
        rep, net = ctx.report, ctx.network
        assert rep is not None and net is not None
        for s in rep.layers:
            if s.node.layer.expect is not None:
                yield from self.layer(ctx, s, s.node.layer.expect)
        if net.expect is not None:
            for key, stated in _stated(net.expect):
                pos = net.doc.where(("expect", key), key=True)
                if key == "output_shape":
                    if len(rep.outputs) == 1:
                        yield from self.shape(ctx, pos, "", stated, rep.outputs[0], "")
                    continue
                field = TOTALS.get(key) or COUNTED[key]
                yield from self.number(pos, "", key, stated, getattr(rep.totals, field))

    def layer(self, ctx: Context, s: LayerStats, expect: Expect) -> Iterator[Finding]:
        node = s.node
        for key, stated in _stated(expect):
            pos = node.doc.where((*node.path, "expect", key), key=True)
            if key in TOTALS:
                yield self.finding(
                    pos,
                    f"{key} states a whole-network figure on a layer",
                    "move it to the spec's top-level expect:",
                    node.name,
                )
            elif key == "output_shape":
                assert isinstance(stated, list)
                yield from self.shape(
                    ctx, pos, node.name, stated, s.output_shape, _window_hint(s, stated)
                )
            else:
                yield from self.number(pos, node.name, key, stated, getattr(s.counts, COUNTED[key]))

    def number(
        self, pos: Pos, layer: str, key: str, stated: object, computed: Dim
    ) -> Iterator[Finding]:
        if stated == computed:
            return
        assert isinstance(stated, int)
        diff = f" ({computed - stated:+,})" if isinstance(computed, int) else ""
        yield self.finding(
            pos,
            f"{key} stated {stated:,}, computed {fmt(computed)}{diff}",
            ("fix the layer's fields" if layer else "fix the layers")
            + ", or the stated figure if the table it came from is wrong",
            layer,
        )

    def shape(
        self, ctx: Context, pos: Pos, layer: str, stated: object, computed: Shape, window_hint: str
    ) -> Iterator[Finding]:
        assert isinstance(stated, list)
        want = _dims(stated, ctx)
        if (
            want is not None
            and len(want) == len(computed)
            and all(a == b for a, b in zip(want, computed, strict=True))
        ):
            return
        shown = "×".join(str(d) for d in stated)
        yield self.finding(
            pos,
            f"output_shape stated {shown}, computed {shape_str(computed)}",
            window_hint
            or "fix the layer's fields, or the stated shape if the table it came from is wrong",
            layer,
        )


def _stated(expect: Expect) -> list[tuple[str, object]]:
    return [
        (k, getattr(expect, k)) for k in type(expect).model_fields if getattr(expect, k) is not None
    ]


def _dims(stated: Sequence[object], ctx: Context) -> list[Dim] | None:
    """Stated sizes as Dims: ints, or formulas over the spec's symbols ('H/2' style text)."""
    from cnncalc.spec.load import parse_dim

    net = ctx.network
    assert net is not None
    names = {n: d for n in net.symbols if (d := parse_dim(n, net.symbols)) is not None}
    for d in net.input_shape:
        if not isinstance(d, int):
            names.update({str(d): d})
    out: list[Dim] = []
    for v in stated:
        if isinstance(v, int):
            out.append(v)
            continue
        try:
            out.append(parse(str(v), names))
        except (ValueError, TypeError, ArithmeticError):
            return None
    return out


def _window_hint(s: LayerStats, stated: Sequence[object]) -> str:
    """For a sliding window: the padding (or the input size) that gives the stated shape."""
    x, y = s.input_shapes[0], s.output_shape
    windows = s.node.layer.input_windows(x)
    if not windows or len(stated) != len(y) or len(windows) != len(y) - 1 or stated[0] != y[0]:
        return ""  # only the spatial sizes differ: padding can fix them
    pads: list[int] = []
    inputs: list[int] = []
    for w, n, t in zip(windows, x[1:], stated[1:], strict=True):
        if not all(isinstance(v, int) for v in (n, t, w.before, w.after)) or w.ceil_mode:
            return ""
        assert (
            isinstance(n, int)
            and isinstance(t, int)
            and isinstance(w.before, int)
            and isinstance(w.after, int)
        )
        low = (t - 1) * w.stride + w.span  # the padded size that gives t, at least
        if low - n < 0 or t < 1:
            return ""
        pads.append(low - n)
        inputs.append(low - w.before - w.after)
    sym = all(p % 2 == 0 for p in pads)
    if sym and len(set(pads)) == 1:
        pad = f"padding: {pads[0] // 2}"
    elif sym:
        pad = f"padding: [{', '.join(str(p // 2) for p in pads)}]"
    else:
        pad = "padding: [" + ", ".join(f"[{p // 2}, {p - p // 2}]" for p in pads) + "]"
    target = "×".join(str(d) for d in stated[1:])
    hint = f"{pad} gives {target}"
    if all(i >= 1 for i in inputs) and inputs != list(x[1:]):
        hint += f"; with this padding, an input of {'×'.join(map(str, inputs))} would"
    return hint + " (or fix the stated shape)"
