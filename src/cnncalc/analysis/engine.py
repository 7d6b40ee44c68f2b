"""Walk a network's graph once, in order: shapes, then counts, per layer. No text here."""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cnncalc.errors import LayerError, Problem, SpecError, UsageError
from cnncalc.layers.base import Counts, Shape, numel
from cnncalc.spec.network import INPUT, Network, Node
from cnncalc.sym import Dim, Expr
from cnncalc.sym.poly import terms_size

if TYPE_CHECKING:
    from cnncalc.api import Diagram

# Figures are exact Python ints, but past this they mean nothing and could not be printed
# (Python refuses int -> str beyond 4,300 digits); totals of many such figures stay far below.
MAX_FIGURE = 10**1000
# Symbolic figures: atoms in the expression tree (sym's own measure). The zoo on H×W needs at
# most 6; a chain that nests a floor per layer (upsample by 1.5, repeated) grows ~16 a layer,
# and past a few hundred levels sym's recursive simplifier runs out of stack.
MAX_ATOMS = 256


@dataclass(frozen=True, slots=True)
class LayerStats:
    node: Node
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    counts: Counts

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def type(self) -> str:
        return self.node.layer.type

    @property
    def output_elements(self) -> Dim:
        return numel(self.output_shape)

    def explain(self) -> list[str]:
        layer = self.node.layer
        lines = layer.explain(self.input_shapes, self.output_shape)
        if layer.activation is not None:
            lines.append(f"then {layer.activation.type}")
        return lines


@dataclass
class Report:
    network: Network
    input_shape: Shape
    layers: list[LayerStats]
    totals: Counts
    outputs: tuple[Shape, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return self.network.name

    @property
    def activation_elements(self) -> Dim:
        total: Dim = 0
        for s in self.layers:
            total = total + s.output_elements
        return total

    # The Python API's views of a report (docs/api.md). Each is one call into render/,
    # imported on use: analysing stays free of text.

    def layer(self, name: str) -> LayerStats:
        """The row of the layer called `name` (KeyError if there is none)."""
        for s in self.layers:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_dict(
        self, *, full: bool = True, dtype: str = "float32", explain: bool = False
    ) -> dict[str, Any]:
        """`cnncalc params --format json` as data (docs/json.md); `full=False`: `shapes`'."""
        from cnncalc.render.facts import report_dict

        return report_dict(self, full, _dtype(dtype), explain)

    def to_json(
        self,
        *,
        full: bool = True,
        dtype: str = "float32",
        explain: bool = False,
        ascii: bool = False,
    ) -> str:
        """The text `cnncalc params --format json` prints (without its final line break)."""
        from cnncalc.render.json import render

        return render(self, full, _dtype(dtype), explain, ascii)

    def to_html(self) -> str:
        """The page `cnncalc report` writes: one HTML file that works offline."""
        from cnncalc.api import html_report

        return html_report(self)

    def draw(
        self, *, depth: int | None = None, rankdir: str = "TB", style: str = "graph"
    ) -> Diagram:
        """The diagram `cnncalc draw` draws: one box per layer, or per block at `depth`;
        rankdir "TB" or "LR"; style "graph" or "stack" (the feature-map figure)."""
        from cnncalc.api import Diagram
        from cnncalc.render.diagram import svg

        # a folded report (analysis.fold) is drawn from the one it folds; `depth` folds boxes
        whole: Report = getattr(self, "full", None) or self
        return Diagram(svg(whole, depth=depth, rankdir=rankdir, style=style))

    def _repr_html_(self) -> str:
        """Jupyter, VS Code: the table with totals."""
        from cnncalc.render.html import table

        return table(self)

    def _repr_mimebundle_(
        self, include: Container[str] | None = None, exclude: Container[str] | None = None
    ) -> dict[str, str]:
        """The diagram beside the table (_repr_html_), for a front end that prefers SVG."""
        svg = "image/svg+xml"
        if (include is not None and svg not in include) or (exclude is not None and svg in exclude):
            return {}
        return {svg: self.draw().svg}


def _dtype(dtype: str) -> str:
    from cnncalc.render.values import DTYPE_BYTES

    if dtype not in DTYPE_BYTES:
        raise UsageError(f"dtype {dtype!r}: give one of {', '.join(DTYPE_BYTES)}")
    return dtype


def analyze(net: Network, input_shape: Shape | None = None) -> Report:
    """Propagate shapes and count every layer; raise SpecError with located problems.

    A layer that fails stops only the layers that depend on it, so independent faults in
    different branches are all reported in one run."""
    x = net.input_shape if input_shape is None else input_shape
    env: dict[str, Shape] = {INPUT: x}
    stats: list[LayerStats] = []
    problems: list[Problem] = []
    total = Counts()
    for node in net.nodes:
        if any(i not in env for i in node.inputs):
            continue  # an input failed: reported already
        inputs = tuple(env[i] for i in node.inputs)
        try:
            y, counts = _run(node, inputs)
            _bounded(y, counts)
        except LayerError as err:
            problems.append(
                Problem(node.where(err.field), err.message, err.hint, node.name, err.code)
            )
            continue
        except (
            TypeError,
            ArithmeticError,
            RecursionError,
        ) as err:  # e.g. a symbolic size where a number is needed
            problems.append(
                Problem(node.where(), f"cannot compute this layer: {err}", "", node.name, "E199")
            )
            continue
        env[node.name] = y
        stats.append(LayerStats(node, inputs, y, counts))
        total = total + counts
    if problems:
        raise SpecError(problems)
    outputs = tuple(env[o] for o in net.outputs)
    return Report(net, x, stats, total, outputs)


def _bounded(y: Shape, counts: Counts) -> None:
    figures = [("the output size", d) for d in y]
    figures += [(name, getattr(counts, name)) for name in counts.__dataclass_fields__]
    for what, v in figures:
        if isinstance(v, int) and abs(v) >= MAX_FIGURE:
            raise LayerError(
                f"{what} comes to more than 10^1000",
                "check the sizes (a runaway scale?)",
                code="E101",
            )
        if isinstance(v, Expr) and terms_size(v.terms) > MAX_ATOMS:
            raise LayerError(
                f"{what} is a symbolic expression of more than {MAX_ATOMS} parts",
                "give the input as numbers (--input) to compute this network",
                code="E101",
            )


def step(node: Node, inputs: Sequence[Shape]) -> tuple[Shape, Counts]:
    """One layer's output and counts, checked as `analyze` checks them; raises LayerError (or
    what a layer's arithmetic raises: TypeError, ArithmeticError) where `analyze` refuses."""
    y, counts = _run(node, inputs)
    _bounded(y, counts)
    return y, counts


def _run(node: Node, inputs: Sequence[Shape]) -> tuple[Shape, Counts]:
    layer = node.layer
    y = layer.infer(inputs)
    counts = layer.counts(inputs, y)
    act = layer.activation
    if act is not None:
        y2 = act.infer([y])
        counts = counts + act.counts([y], y2)
        y = y2
    return y, counts
