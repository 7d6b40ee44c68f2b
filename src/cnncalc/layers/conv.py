"""conv1d / conv2d / conv3d, with groups (depthwise), dilation, named padding conventions,
and LeNet-5's partial connection table (C3: each output map reads a subset of input maps)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    Counts,
    Layer,
    Op,
    Saved,
    Shape,
    Tensor,
    TorchModules,
    concrete,
    factor,
    fmt,
    held,
    numel,
    pyargs,
    tight,
)
from cnncalc.layers.fields import Padding, Size, Sizes, ntuple
from cnncalc.layers.window import AXES, Window, pads, slide
from cnncalc.sym import Dim

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
    VIEWS = "keep"
    TYPES: ClassVar[tuple[str, ...]] = ("conv1d", "conv2d", "conv3d")
    DIMS: ClassVar[tuple[int, ...]] = (1, 2, 3)

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

    def input_windows(self, x: Shape) -> list[Window]:
        return self.windows(x)

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
        windows = self.windows(x)
        self.check_padding_mode(windows, x)
        return (self.out_channels, *slide(windows, x, "kernel extent"))

    def check_padding_mode(self, windows: list[Window], x: Shape) -> None:
        """torch: reflect padding must be below the input size, circular at most the size."""
        limit = {"reflect": 0, "circular": 1}.get(self.padding_mode)
        if limit is None:
            return
        for axis, w, n in zip(AXES[self.dims], windows, x[1:], strict=True):
            worst = max((p for p in (w.before, w.after) if isinstance(p, int)), default=0)
            if isinstance(n, int) and worst >= n + limit:
                below = "below" if limit == 0 else "at most"
                raise LayerError(
                    f"{self.padding_mode} padding {worst} needs an input {axis} of "
                    f"{worst + 1 - limit} or more, got {n}",
                    f"{self.padding_mode} padding must be {below} the input size; "
                    "use less padding or padding_mode: zeros",
                    field="padding",
                    code="E104",
                )

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # convolution_backward reads its input and weight: the layer's input, or where the
        # generated code pads first (a padding module, a padding_mode other than zeros, an
        # odd 'same' torch pads by one), the padded copy, plus the input itself where
        # reflection and replication padding keep it; LeNet's table convolution scatters
        # its packed weight into a full kernel (index_put keeps the two int64 index lists)
        # and the convolution keeps that kernel
        x = inputs[0]
        mode = self.padding_mode
        moded = mode != "zeros" and (
            self.connection_table is None or self.padding not in (0, "valid")
        )
        padded = self.padding == "tf_same" or self.uneven_padding() or moded
        sizes: list[Dim] = list(x[1:])
        if padded:
            sizes = [n + w.before + w.after for n, w in zip(x[1:], self.windows(x), strict=True)]
        elif self.padding == "same":  # torch pads an odd total's extra one itself
            for i, w in enumerate(self.windows(x)):
                padded = padded or (w.before != w.after)
                sizes[i] = sizes[i] + abs(concrete(w.after, "") - concrete(w.before, ""))
        kept: tuple[Saved, ...] = (
            (Saved("own", shape=(x[0], *sizes)),) if padded else (Saved("input"),)
        )
        if padded and mode in ("reflect", "replicate"):
            kept += (Saved("input", for_input=0),)
        t = self.table(concrete(x[0], "the input's channel count"))
        if t is None:
            return kept
        k = ntuple(self.kernel_size, self.dims, "kernel_size")
        pairs = sum(len(r) for r in t)
        index = Saved("own", shape=(pairs,), dtype="int64", batched=False)
        full = Saved("own", shape=(self.out_channels, x[0], *k), batched=False)
        return (*kept, index, index, full)

    # ---- counts -----------------------------------------------------------------------
    def taps(self) -> int:
        return numel(ntuple(self.kernel_size, self.dims, "kernel_size"))

    def per_map_inputs(self, cin: int) -> list[int]:
        """Number of input maps each output map reads."""
        t = self.table(cin)
        return [len(r) for r in t] if t else [cin // self.groups] * self.out_channels

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        k = ntuple(self.kernel_size, self.dims, "kernel_size")
        if isinstance(x[0], int) and self.connection_table is not None:
            # TableConv packs one kernel per (output map, input map) pair of the table
            weight = Tensor("weight", (sum(self.per_map_inputs(x[0])), *k))
        else:  # full connection, symbolic or not (no per-map list: out_channels may be 10^30)
            weight = Tensor("weight", (self.out_channels, x[0] // self.groups, *k))
        return (weight, Tensor("bias", (self.out_channels,))) if self.bias else (weight,)

    def count(self, x: Shape, y: Shape) -> Counts:
        state = self.state(x, y)
        c, positions = held(state), numel(y[1:])
        macs = numel(state[0].shape) * positions  # a multiply per weight and position
        return c.with_links(c.trainable * positions, macs)

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        x = inputs[0]
        modules = self.torch_modules(x, y)
        if modules is None or len(modules.calls) > 1 or self.padding_mode != "zeros":
            return None  # a padding module or mode first: not declared
        table = self.connection_table is not None
        # TableConv scatters its packed weights into a full kernel: torch multiplies every map
        macs = self.out_channels * x[0] // self.groups * self.taps() * numel(y[1:])
        module = None if table else self.torch_class(x, y)
        # padding by name ("same", "valid") runs torch's conv…d.padding overload
        named = f".{self.padding}" if isinstance(self.padding, str) else ""
        span = tuple(w.span for w in self.windows(x))
        return (Op(f"conv{self.dims}d{named}", x, y, module, macs, self.bias, span=span),)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        lines = [
            w.explain(a, n, o)
            for w, a, n, o in zip(self.windows(x), AXES[self.dims], x[1:], y[1:], strict=True)
        ]
        b = "1" if self.bias else "0"
        c = self.count(x, y)
        kernel = "·".join(map(str, ntuple(self.kernel_size, self.dims, "kernel_size")))
        outputs = "·".join(factor(d) for d in y)
        positions = "·".join(factor(d) for d in y[1:])
        if isinstance(x[0], int) and self.connection_table is not None:
            rows = self.per_map_inputs(x[0])
            groups: dict[int, int] = {}
            for r in rows:
                groups[r] = groups.get(r, 0) + 1
            terms = " + ".join(f"{m}·({r}·{self.taps()} + {b})" for r, m in groups.items())
            lines.append(f"params = {terms} = {fmt(c.trainable)}")
            read = " + ".join(f"{m}·{r}" for r, m in groups.items())
            macs = (
                "MACs = (input maps each output map reads, summed)·kernel·positions"
                f" = ({read})·({kernel})·({positions}) = {fmt(c.macs)}"
            )
        else:
            cin = x[0] // self.groups if isinstance(x[0], int) else x[0]
            per_map = f"{factor(cin)}·{self.taps()} + {b}"
            lines.append(f"params = {self.out_channels}·({per_map}) = {fmt(c.trainable)}")
            per = factor(x[0]) if self.groups == 1 else f"{factor(x[0])}/{self.groups}"
            label = "in_channels" if self.groups == 1 else "(in_channels/groups)"
            macs = f"MACs = outputs·{label}·kernel = ({outputs})·({per})·({kernel}) = {fmt(c.macs)}"
        lines.append(
            "connections = params·positions"
            f" = {factor(c.trainable)}·({positions}) = {fmt(c.connections)}"
        )
        lines.append(macs)
        return lines

    # ---- lowering ---------------------------------------------------------------------
    def uneven_padding(self) -> bool:
        p = self.padding
        return isinstance(p, tuple) and any(isinstance(a, tuple) and a[0] != a[1] for a in p)

    def torch_modules(self, x: Shape, y: Shape) -> TorchModules | None:
        n, cin = self.dims, concrete(x[0], "the input's channel count")
        table = self.table(cin)
        mode = "constant" if self.padding_mode == "zeros" else self.padding_mode
        padding: object = self.padding
        pad = ""  # a padding module, where torch's convolution cannot pad this way itself
        if padding == "tf_same":  # depends on the input's size: computed at run time
            k, s, d = (ntuple(v, n, "") for v in (self.kernel_size, self.stride, self.dilation))
            pad = f"SamePad({pyargs(k, s, d, **({'mode': mode} if mode != 'constant' else {}))})"
        elif self.uneven_padding() or (
            table and mode != "constant" and padding not in (0, "valid")
        ):
            # sides that differ, or a table convolution padding other than with zeros
            windows = self.windows(x)
            sides = [(concrete(w.before, "padding"), concrete(w.after, "padding")) for w in windows]
            flat = tuple(v for pair in reversed(sides) for v in pair)  # torch: last axis first
            kind = {"constant": "Zero", "reflect": "Reflection", "replicate": "Replication"}
            pad = f"nn.{kind.get(mode, 'Circular')}Pad{n}d({pyargs(flat)})"
        elif isinstance(padding, tuple):  # symmetric [before, after] pairs
            padding = tight(tuple(p[0] if isinstance(p, tuple) else p for p in padding))
        kw: dict[str, object] = {"stride": tight(self.stride)} if self.stride != 1 else {}
        if padding != 0 and not pad:
            kw["padding"] = padding
        kw |= {k: tight(v) for k, v in self.torch_kwargs("dilation").items()}
        kw |= self.torch_kwargs("groups", "bias")
        if table is not None:
            kw.pop("groups", None)
            k = ntuple(self.kernel_size, n, "")
            conv = f"TableConv({pyargs(cin, table, kernel_size=k, **kw)})"
        else:
            kw |= {} if pad else self.torch_kwargs("padding_mode")
            args = pyargs(cin, self.out_channels, kernel_size=tight(self.kernel_size), **kw)
            conv = f"nn.Conv{n}d({args})"
        return TorchModules((pad, conv), owner=1) if pad else TorchModules((conv,))
