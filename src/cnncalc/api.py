"""The library API under the CLI: load a spec, analyze it, render the report.

net = load("specs/lenet5.yaml")
report = analyze(net)                      # or analyze("specs/lenet5.yaml", "1x28x28")
report.totals.trainable                    # 60000

`import cnncalc` gives these names lazily (cnncalc/__init__.py); docs/api.md documents them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cnncalc.analysis import engine
from cnncalc.analysis.engine import LayerStats, Report
from cnncalc.errors import CnncalcError, LayerError, Problem, SpecError, UsageError
from cnncalc.layers.base import Counts, Shape
from cnncalc.spec.args import parse_sets
from cnncalc.spec.load import load, loads, parse_dim
from cnncalc.spec.network import Network

if TYPE_CHECKING:
    from cnncalc.analysis.diff import Diff
    from cnncalc.codegen import generate

__all__ = [
    "CnncalcError",
    "Counts",
    "Diagram",
    "LayerStats",
    "Network",
    "Problem",
    "Report",
    "SpecError",
    "UsageError",
    "analyze",
    "diff",
    "generate",
    "html_report",
    "load",
    "load_ref",
    "loads",
    "parse_input",
    "parse_sets",
    "parse_symbols",
    "report",
    "spec",
]

_SEP = re.compile(r"\s*[x×,]\s*")


Bounds = dict[str, tuple[int | None, int | None]]
# one bound: H>=32, H<=4096 or 32<=H<=4096 (≥ and ≤ too)
_BOUND = re.compile(
    r"(?:(?P<lo>\d{1,100})\s*(?:<=|≤)\s*)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"\s*(?:(?P<op>>=|≥|<=|≤)\s*(?P<n>\d{1,100}))?\Z"
)
_BOUND_HELP = "write bounds like H>=32, W<=4096 or 32<=H<=4096, separated by commas"


def parse_symbols(text: str) -> Bounds:
    """'H>=32, 32<=W<=4096' -> {'H': (32, None), 'W': (32, 4096)}: the sides given, per name."""
    out: Bounds = {}
    items = [i.strip() for i in re.split(r"[,;]", text) if i.strip()]
    if not items:
        raise UsageError(f"--symbols {text!r}: {_BOUND_HELP}")
    for item in items:
        m = _BOUND.match(item)
        chained = m is not None and m["lo"] is not None
        if m is None or (not chained and m["op"] is None) or (chained and m["op"] in (">=", "≥")):
            raise UsageError(f"--symbols {text!r}: cannot read {item!r}; {_BOUND_HELP}")
        lo, hi = out.get(m["name"], (None, None))
        if m["lo"] is not None:
            lo = int(m["lo"])
        if m["op"] is not None:
            if m["op"] in (">=", "≥"):
                lo = int(m["n"])
            else:
                hi = int(m["n"])
        out[m["name"]] = (lo, hi)
    return out


def _bounded(net: Network, bounds: Bounds, used: set[str]) -> dict[str, tuple[int, int | None]]:
    """The spec's symbols: bounds with the command line's sides laid over them."""
    if not used:
        raise UsageError("--symbols: the input has no symbols to bound; give --input 3xHxW")
    symbols = dict(net.symbols)
    for name, (lo, hi) in bounds.items():
        if name not in used:
            have = ", ".join(sorted(used))
            raise UsageError(f"--symbols: {name!r} is not a symbol of the input; it has {have}")
        old_lo, old_hi = symbols.get(name, (1, None))
        lo, hi = old_lo if lo is None else lo, old_hi if hi is None else hi
        if lo < 1:
            raise UsageError(f"--symbols: {name} >= {lo}: a size is at least 1")
        if hi is not None and hi < lo:
            raise UsageError(f"--symbols: {name} >= {lo} and <= {hi}: no size is both")
        symbols[name] = (lo, hi)
    return symbols


def parse_input(text: str, net: Network, bounds: Bounds | None = None) -> Shape:
    """'3x224x224' or '3xHxW' -> a shape with as many dims as the spec's input. `bounds`
    (parse_symbols) narrow its symbols, over any the spec's `symbols:` gives."""
    parts = [p for p in _SEP.split(text.strip()) if p]
    # ASCII digits only ('²'.isdigit() is true), and no more of them than a spec may write
    numbers = [int(p) if p.isascii() and p.isdigit() and len(p) <= 100 else p for p in parts]
    symbols = net.symbols
    if bounds:
        symbols = _bounded(net, bounds, {p for p in numbers if isinstance(p, str)})
    dims = [parse_dim(p, symbols) for p in numbers]
    if any(d is None for d in dims) or not dims:
        raise UsageError(f"--input {text!r}: write sizes like 3x224x224 (or symbols: 3xHxW)")
    if len(dims) != len(net.input_shape):
        layout = "×".join(net.input_names)
        raise UsageError(f"--input {text!r} has {len(dims)} dims; {net.file} takes {layout}")
    return tuple(d for d in dims if d is not None)


def spec_input(net: Network) -> str:
    """The spec's own input as --input text ('3xHxW'), for laying --symbols over it."""
    from cnncalc.sym import render

    return "x".join(str(d) if isinstance(d, int) else render(d) for d in net.input_shape)


def spec(source: Network | str | Path) -> Network:
    """A loaded spec as it is; a str with a line break (or a one-line `{...}` mapping) as
    YAML text; any other str or Path as a file's path (`-`: standard input)."""
    if isinstance(source, Network):
        return source
    if isinstance(source, str) and ("\n" in source or source.lstrip().startswith("{")):
        return loads(source)
    return load(source)


def analyze(
    source: Network | str | Path,
    input: Shape | str | None = None,
    *,
    symbols: str | None = None,
) -> Report:
    """Shapes and counts of every layer of a spec (`spec()` says what `source` may be).
    `input` replaces the spec's input: a Shape, or text as --input takes it ('3x224x224',
    '3xHxW'); `symbols` ('H>=32, W<=4096') bounds the input's symbols as --symbols does.
    Raises SpecError (located problems) or UsageError (bad input text)."""
    net = spec(source)
    if symbols is not None:
        text = input if isinstance(input, str) else spec_input(net)
        return engine.analyze(net, parse_input(text, net, parse_symbols(symbols)))
    return engine.analyze(net, parse_input(input, net) if isinstance(input, str) else input)


def report(
    path: str | Path,
    input_text: str | None = None,
    symbols_text: str | None = None,
    sets: Sequence[str] | None = None,
) -> Report:
    """Load and analyze the spec at `path`; `input_text` ('3xHxW') replaces the spec's input,
    `symbols_text` ('H>=32') bounds the input's symbols (parse_symbols), `sets`
    (['width=0.75']) set the spec's arguments (spec/args.py)."""
    net = load(path, parse_sets(sets) if sets else None)
    return analyze(net, input_text or None, symbols=symbols_text)


def load_ref(ref: str) -> Network:
    """A spec as the command line names it: a file, `-` (standard input), or PATH@REV, the
    file as git revision REV holds it, its includes read from that revision too."""
    from cnncalc.spec.revision import load_revision, split

    path, rev = split(ref)
    return load(path) if rev is None else load_revision(path, rev)


def diff(old: str, new: str, input_text: str | None = None) -> Diff:
    """Two specs (load_ref's names) compared layer by layer (analysis/diff.py); `input_text`
    replaces both inputs. Spec errors of both sides are raised together."""
    from cnncalc.analysis.diff import diff as compare

    if old == "-" and new == "-":
        raise UsageError("cnncalc diff: only one side can be - (standard input)")
    reports: list[Report] = []
    problems: list[Problem] = []
    for ref in (old, new):
        try:
            net = load_ref(ref)
            reports.append(analyze(net, parse_input(input_text, net) if input_text else None))
        except SpecError as err:
            problems.extend(err.problems)
    if problems:
        raise SpecError(problems)
    out = compare(reports[0], reports[1])
    out.labels = (old, new)
    from cnncalc.spec.revision import split

    out.new_file = new if new != "-" and split(new)[1] is None else None
    return out


def __getattr__(name: str) -> object:
    """`generate` is cnncalc.codegen's, imported when first asked for (PEP 562): code
    generation stays off the `params` path."""
    if name == "generate":
        from cnncalc.codegen import generate

        return generate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Diagram:
    """A drawn report (Report.draw): SVG text that shows itself in a notebook."""

    svg: str

    def __str__(self) -> str:
        return self.svg

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path: str | Path) -> None:
        """Write the drawing to `path`: .svg, or .png/.pdf (the image extra, as `cnncalc draw`);
        UsageError for another suffix or a missing extra, CnncalcError when it cannot write."""
        from cnncalc.render.image import convert

        data = convert(self.svg, Path(path).suffix.lower().lstrip("."))
        try:
            Path(path).write_bytes(data)
        except OSError as err:
            raise CnncalcError(f"cannot write {path}: {err.strerror}") from None


def html_report(report: Report, *, lint: bool = True) -> str:
    """The one-file HTML page of `cnncalc report`: table, totals, receptive fields, memory
    at batch 1, lint findings of the spec's file (when `lint` and it was read from one),
    and the diagram. What cannot be computed says why on the page instead."""
    from cnncalc.render.facts import memory_dims
    from cnncalc.render.html import Page, page
    from cnncalc.render.values import text

    # a folded report (analysis.fold) keeps the one it folds: the page folds its own views
    report = getattr(report, "full", None) or report
    p = Page(report, blocks=_blocks(report))
    try:
        from cnncalc.analysis.receptive import receptive_fields, with_fields

        p.report, p.fields = with_fields(report, receptive_fields(report)), True
    except (CnncalcError, LayerError) as err:
        p.fields_note = f"Receptive fields: not computed ({err})."
    dims = memory_dims(report, "float32")
    p.memory = [
        ("Parameters and buffers (float32)", f"{text(dims['param_bytes'])} bytes"),
        ("Every layer's output, batch 1 (float32)", f"{text(dims['activation_bytes'])} bytes"),
    ]
    try:
        from cnncalc.analysis.memory import saved_bytes

        saved = f"{saved_bytes(report, 1, 'float32').saved:,} bytes"
    except CnncalcError as err:  # a kind that declares nothing
        saved = f"not computed: {err}"
    except LayerError as err:  # a symbolic input: autograd's bytes are numbers
        saved = f"not computed: {err.message}"
    p.memory.append(("Saved for backward, batch 1 (float32, cnncalc memory)", saved))
    p.lint, p.lint_note = _lint(report.network.file) if lint else (None, "Lint: not run.")
    p.diagrams, p.view = _diagrams(report)
    return page(p)


FOLDED_VIEW = 100  # the page opens on the deepest folded diagram of at most this many boxes


def _diagrams(report: Report) -> tuple[list[tuple[str, str]], int]:
    """The diagram folded to depth 1, 2, … (each with at most half the boxes of the full one:
    a view much like it would only double the page), then every layer; and the view to open."""
    from cnncalc.render.diagram import graph, svg

    full = len(graph(report)[0])
    views: list[tuple[str, str]] = []
    open_on = None
    deepest = max((len(s.node.scope) for s in report.layers), default=0)
    for depth in range(1, deepest + 1):
        boxes = len(graph(report, depth)[0])
        if boxes > full // 2:
            break
        if boxes <= FOLDED_VIEW:
            open_on = len(views)
        views.append((f"folded to depth {depth} ({boxes - 1} boxes)", svg(report, depth=depth)))
    views.append((f"every layer ({full - 1} boxes)", svg(report)))
    return views, len(views) - 1 if full <= FOLDED_VIEW or open_on is None else open_on


def _lint(file: str) -> tuple[list[dict[str, str]] | None, str]:
    """The spec file's findings under the configuration `cnncalc lint` would find."""
    if not Path(file).is_file():
        return None, "Lint: not run (the spec was not read from a file)."
    from cnncalc.lint import Linter, discover

    try:
        found = Linter(discover()).check(file, named=True)
    except CnncalcError as err:  # an unreadable configuration
        return None, f"Lint: not run ({err})."
    if isinstance(found, str):
        return None, f"Lint: not run ({found})."
    return [
        {
            "where": f"{f.pos.file}:{f.pos.line}:{f.pos.col}",
            "code": f.code,
            "severity": str(f.severity),
            "layer": f.layer,
            "message": f.message,
            "hint": f.hint,
        }
        for f in found
    ], ""


def _blocks(report: Report) -> dict[str, dict[str, object]]:
    """Every block instance (path): its kind, its layers in order, its subtotals and the
    output of its last layer (the page shows them when a folded node is clicked)."""
    from cnncalc.render.facts import counts_dict
    from cnncalc.render.values import shape_text

    net = report.network
    rows: dict[str, list[LayerStats]] = {}
    for s in report.layers:
        for n in range(1, len(s.node.scope) + 1):
            rows.setdefault(".".join(s.node.scope[:n]), []).append(s)
    out: dict[str, dict[str, object]] = {}
    for path, members in rows.items():
        total = Counts()
        for s in members:
            total = total + s.counts
        last = {s.name: s for s in members}.get(net.aliases.get(path, ""), members[-1])
        out[path] = {
            "type": net.scopes.get(path, "block"),
            "output": shape_text(last.output_shape),
            "counts": counts_dict(total),
            "rows": [s.name for s in members],
        }
    return out
