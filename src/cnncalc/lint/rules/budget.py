"""B301: the network exceeds a configured budget of parameters, MACs or activation memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

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
    are whole numbers of at least 1, with a unit by its standard meaning: 12M, 1.5G, 64MB
    (k, M, G, T: powers of 1000), 512KiB, 2MiB (Ki, Mi, Gi, Ti: powers of 1024). Memory in
    a finding is printed in bytes and in binary units (KiB = 1024 bytes, MiB = 2^20), as
    everywhere in cnncalc. For symbolic input sizes the bound of each figure over the
    symbols' ranges is checked; a figure without a bound is reported too.

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
        figures: list[tuple[str, str, Dim, str, Callable[[int], str]]] = [
            ("max-params", "parameters", rep.totals.params, "params", _count),
            ("max-macs", "MACs", rep.totals.macs, "macs", _count),
            (
                "max-activation-memory",
                f"activation memory ({self.opts['dtype']})",
                rep.activation_elements * size,
                "output_elements",
                memory,
            ),
        ]
        for key, what, total, per_layer, show in figures:
            limit = self.opts[key]
            if limit is None:
                continue
            top = _largest(ctx, per_layer)
            hi = bounds(total)[1]
            unit = " bytes" if show is memory else ""
            if hi is None:
                yield self.finding(
                    ctx.top_pos(),
                    f"{what} = {render(total)}{unit} has no upper bound, "
                    f"so {key} {show(limit)} cannot be checked",
                    "give the input's symbols a max under symbols:",
                )
            elif hi > limit:
                over = (
                    show(total)
                    if isinstance(total, int)
                    else f"{render(total)}{unit}, up to {show(hi)}"
                )
                per_mille = (hi - limit) * 1000 // max(limit, 1)
                by = f"{hi - limit:,}{unit}"
                yield self.finding(
                    ctx.top_pos(),
                    f"{what} {over} {'exceeds' if show is memory else 'exceed'} {key} "
                    f"{show(limit)} by {by} ({per_mille // 10:,}.{per_mille % 10}%)",
                    f"largest layers: {top}" if top else "shrink the network or raise the budget",
                )


_IEC = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")


def _count(n: int) -> str:
    return f"{n:,}"


def memory(n: int) -> str:
    """Bytes exactly, and in IEC binary units where that reads easier: 39,032 bytes (38.1 KiB).
    1 KiB = 1024 bytes, 1 MiB = 2**20 (one convention in cnncalc); integer arithmetic, so any
    size prints."""
    if n < 1024:
        return f"{n:,} byte{'' if n == 1 else 's'}"
    k = min((n.bit_length() - 1) // 10, len(_IEC))
    tenths = n * 10 // 2 ** (10 * k)
    return f"{n:,} bytes ({tenths // 10:,}.{tenths % 10} {_IEC[k - 1]})"


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
