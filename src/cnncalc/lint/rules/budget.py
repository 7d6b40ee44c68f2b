"""B301: the network exceeds a configured budget of parameters, MACs or activation memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from cnncalc.layers.base import fmt
from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.rule import Context, Option, Rule, parse_amount
from cnncalc.render.values import DTYPE_BYTES
from cnncalc.sym import Dim, bounds, render


def _amount(what: str) -> Any:
    return lambda v: None if v is None else parse_amount(v, what)


def _dtype(v: object) -> str:
    if v not in DTYPE_BYTES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPE_BYTES)}, got {v!r}")
    return str(v)


class Budget(Rule):
    """The network exceeds a budget: parameters, MACs, or activation memory.

    A team that deploys to a phone, or trains on a fixed GPU, can state what a model may cost
    and have CI stop the commit that breaks it, before anyone trains it. Budgets are off
    until configured (`[tool.cnncalc.budgets]` in pyproject.toml or `budgets:` in
    .cnncalc.yaml): `max-params`, `max-macs` (multiply-accumulates per image), and
    `max-activation-memory` (bytes of all layer outputs for one image, at `dtype`). Amounts
    take suffixes: 12M, 1.5G, 64MB, 512MiB. For symbolic input sizes the bound of each figure
    over the symbols' ranges is checked; a figure without a bound is reported too.

    Bad::

        # config: {budgets: {max-params: 1M}}
        name: too-big
        input: {features: 2048}
        layers:
          - {type: linear, out_features: 1000}

    Good::

        # config: {budgets: {max-params: 1M}}
        name: fits
        input: {features: 512}
        layers:
          - {type: linear, out_features: 1000}
    """

    code = "B301"
    name = "budget"
    severity = Severity.ERROR
    options: ClassVar[dict[str, Option]] = {
        "max-params": Option(None, "most parameters (trainable and fixed)", _amount("max-params")),
        "max-macs": Option(None, "most multiply-accumulates per image", _amount("max-macs")),
        "max-activation-memory": Option(
            None, "most bytes of layer outputs per image", _amount("max-activation-memory")
        ),
        "dtype": Option("float32", "element type for activation memory", _dtype),
    }

    def check(self, ctx: Context) -> Iterator[Finding]:
        rep = ctx.report
        assert rep is not None
        size = DTYPE_BYTES[self.opts["dtype"]]
        figures: list[tuple[str, str, Dim, str]] = [
            ("max-params", "parameters", rep.totals.params, "params"),
            ("max-macs", "MACs", rep.totals.macs, "macs"),
            (
                "max-activation-memory",
                f"bytes of activations ({self.opts['dtype']})",
                rep.activation_elements * size,
                "output_elements",
            ),
        ]
        for key, what, total, per_layer in figures:
            limit = self.opts[key]
            if limit is None:
                continue
            top = _largest(ctx, per_layer)
            hi = bounds(total)[1]
            if hi is None:
                yield self.finding(
                    ctx.top_pos(),
                    f"{what} = {render(total)} has no upper bound, "
                    f"so {key} {limit:,} cannot be checked",
                    "give the input's symbols a max under symbols:",
                )
            elif hi > limit:
                over = (
                    f"{fmt(total)}" if isinstance(total, int) else f"{render(total)}, up to {hi:,}"
                )
                yield self.finding(
                    ctx.top_pos(),
                    f"{what} {over} exceed {key} {limit:,} "
                    f"by {hi - limit:,} ({(hi - limit) / limit:.1%})",
                    f"largest layers: {top}" if top else "shrink the network or raise the budget",
                )


def _largest(ctx: Context, figure: str) -> str:
    """The three layers contributing most to a figure, for the hint."""
    assert ctx.report is not None
    rows: list[tuple[int, str]] = []
    for s in ctx.report.layers:
        v = s.output_elements if figure == "output_elements" else getattr(s.counts, figure)
        hi = bounds(v)[1]
        if hi:
            rows.append((hi, s.name))
    rows.sort(key=lambda r: -r[0])
    unit = " elements" if figure == "output_elements" else ""
    return ", ".join(f"{n} ({v:,}{unit})" for v, n in rows[:3])
