"""conv1d / conv2d / conv3d, with groups (depthwise), dilation, named padding conventions,
and LeNet-5's partial connection table (C3: each output map reads a subset of input maps)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, field_validator

from cnncalc.errors import LayerError
from cnncalc.layers.base import Counts, Layer, Shape, fmt, numel
from cnncalc.layers.fields import Padding, Size, Sizes, ntuple
from cnncalc.layers.window import AXES, Window, pads, slide

# The LeNet-5 paper's Table I: which S2 maps feed each C3 map.
LENET5_TABLE: tuple[tuple[int, ...], ...] = (
    *(tuple((i + j) % 6 for j in range(3)) for i in range(6)),
    *(tuple((i + j) % 6 for j in range(4)) for i in range(6)),
    (0, 1, 3, 4),
    (1, 2, 4, 5),
    (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)
NAMED_TABLES = {"lenet5": LENET5_TABLE}


class Conv(Layer):
    TYPES = ("conv1d", "conv2d", "conv3d")

    out_channels: Size
    kernel_size: Sizes
    in_channels: Size | None = None
    stride: Sizes = 1
    padding: Padding = 0
    dilation: Sizes = 1
    groups: Size = 1
    bias: bool = True
    padding_mode: Literal["zeros", "reflect", "replicate", "circular"] = "zeros"
    connection_table: Literal["lenet5"] | list[list[int]] | None = Field(
        default=None,
        description="'lenet5' (the paper's Table I) or, per output map, the input maps it reads",
    )

    @field_validator("connection_table")
    @classmethod
    def _table(cls, v: object) -> object:
        if isinstance(v, list):
            for maps in v:
                if len(set(maps)) != len(maps) or not maps:
                    raise ValueError("each output map lists distinct input maps, at least one")
        return v

    # ---- geometry ---------------------------------------------------------------------
    def windows(self, x: Shape) -> list[Window]:
        n = self.dims
        k = ntuple(self.kernel_size, n, "kernel_size")
        s = ntuple(self.stride, n, "stride")
        d = ntuple(self.dilation, n, "dilation")
        p = pads(self.padding, x[1:], k, s, d)
        return [Window(*a) for a in zip(k, s, [b for b, _ in p], [a for _, a in p], d, strict=True)]

    def table(self, cin: int) -> tuple[tuple[int, ...], ...] | None:
        if self.connection_table is None:
            return None
        t = (
            NAMED_TABLES[self.connection_table]
            if isinstance(self.connection_table, str)
            else tuple(tuple(m) for m in self.connection_table)
        )
        if len(t) != self.out_channels:
            raise LayerError(
                f"connection_table has {len(t)} rows but out_channels is {self.out_channels}",
                "give one row (list of input maps) per output map",
                field="connection_table",
                code="E103",
            )
        bad = sorted({m for row in t for m in row if not 0 <= m < cin})
        if bad:
            raise LayerError(
                f"connection_table names input map(s) {bad} but the input has maps 0..{cin - 1}",
                "input maps are numbered from 0",
                field="connection_table",
                code="E103",
            )
        if self.groups != 1:
            raise LayerError("connection_table and groups cannot be combined", field="groups")
        return t

    def shape(self, x: Shape) -> Shape:
        n = self.dims
        self.expect_rank(x, n + 1, "C×" + "×".join(AXES[n]))
        cin = x[0]
        self.check_in(self.in_channels, cin, "in_channels")
        if isinstance(cin, int):
            for what, v in (("input channels", cin), ("out_channels", self.out_channels)):
                if v % self.groups:
                    raise LayerError(
                        f"{what} ({v}) is not divisible by groups ({self.groups})",
                        "groups must divide both channel counts",
                        field="groups",
                        code="E102",
                    )
            self.table(cin)
        return (self.out_channels, *slide(self.windows(x), x, "kernel extent"))

    # ---- counts -----------------------------------------------------------------------
    def taps(self) -> int:
        return numel(ntuple(self.kernel_size, self.dims, "kernel_size"))  # type: ignore[return-value]

    def per_map_inputs(self, cin: int) -> list[int]:
        """Number of input maps each output map reads."""
        t = self.table(cin)
        return [len(r) for r in t] if t else [cin // self.groups] * self.out_channels

    def count(self, x: Shape, y: Shape) -> Counts:
        positions = numel(y[1:])
        b = 1 if self.bias else 0
        if isinstance(x[0], int):
            weights = sum(self.per_map_inputs(x[0])) * self.taps()
        else:  # symbolic channel count: full connection only
            weights = x[0] // self.groups * self.taps() * self.out_channels
        params = weights + b * self.out_channels
        return Counts(trainable=params, connections=params * positions, macs=weights * positions)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        lines = [w.explain(a, n, o) for w, a, n, o in zip(self.windows(x), AXES[self.dims], x[1:], y[1:], strict=True)]
        b = "1" if self.bias else "0"
        if isinstance(x[0], int) and self.connection_table is not None:
            rows = self.per_map_inputs(x[0])
            groups: dict[int, int] = {}
            for r in rows:
                groups[r] = groups.get(r, 0) + 1
            terms = " + ".join(f"{m}·({r}·{self.taps()} + {b})" for r, m in groups.items())
            lines.append(f"params = {terms} = {fmt(self.count(x, y).trainable)}")
        else:
            cin = x[0] // self.groups if isinstance(x[0], int) else x[0]
            lines.append(
                f"params = {self.out_channels}·({fmt(cin)}·{self.taps()} + {b}) = {fmt(self.count(x, y).trainable)}"
            )
        c = self.count(x, y)
        lines.append(f"connections = {fmt(c.trainable)}·{fmt(numel(y[1:]))} = {fmt(c.connections)}")
        lines.append(f"MACs = {fmt(c.macs)}")
        return lines
