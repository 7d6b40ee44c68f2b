"""E: the spec cannot be loaded or computed (the core's own errors, with their codes)."""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.errors import Pos
from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.rule import Context, Rule

# The core's codes: what each means, and a fix hint for problems raised without one.
CORE_CODES: dict[str, tuple[str, str]] = {
    "E000": ("the file is not a spec", "a spec is one YAML mapping with name, input and layers"),
    "E001": (
        "YAML syntax or structure",
        "fix the YAML at this position (plain scalars, lists, mappings)",
    ),
    "E002": (
        "an invalid key or value",
        "check the key's spelling and value (cnncalc schema has them all)",
    ),
    "E003": (
        "an unknown or missing layer type",
        "check the spelling; the README lists the layer types",
    ),
    "E004": ("a bad or duplicate layer name", "give each layer a unique name without '.'"),
    "E100": (
        "a window larger than its (padded) input",
        "use a smaller kernel, more padding or a larger input",
    ),
    "E101": (
        "a size that comes to 0 or less",
        "use a smaller kernel or stride, more padding, or a larger input",
    ),
    "E102": (
        "shapes that do not fit (channels, features, rank)",
        "check the layers feeding this one",
    ),
    "E103": (
        "an invalid connection table",
        "give one row of input maps (numbered from 0) per output map",
    ),
    "E104": (
        "padding that torch refuses",
        "use explicit padding numbers within the limits torch allows",
    ),
    "E105": (
        "a bad `from:` reference or input count",
        "name an earlier layer; merge several with add or concat",
    ),
    "E110": ("a block definition or use", "see docs/spec-format.md for blocks"),
    "E111": ("an expression", "expressions read the block's args and lets"),
    "E112": ("a block that uses itself", "a block may use other blocks, not itself"),
    "E113": ("an include: file", "include: names a spec file inside this spec's folder"),
    "E120": (
        "a symbolic size where generated code needs a number",
        "generate for a concrete input, e.g. --input 3x224x224",
    ),
    "E130": (
        "a layer kind that does not declare what autograd saves (cnncalc memory)",
        "see docs/memory.md for the kinds declared so far",
    ),
    "E199": (
        "a layer that cannot be computed",
        "give the symbolic input sizes bounds, or concrete sizes",
    ),
}


class SpecError(Rule):
    """The spec cannot be loaded or computed: the core's own errors, E000–E199.

    These are the problems `cnncalc params` stops on: YAML syntax, unknown keys and types,
    bad names and references, windows larger than their input, channels that do not fit.
    Each keeps the core's code (E002 an invalid value, E102 a shape mismatch, …); `cnncalc
    rules E102` explains one. They cannot be selected away, ignored or suppressed: no other
    figure can be trusted while the spec does not compute, as ruff treats syntax errors.

    Bad::

        name: bad-channels
        input: {channels: 3, height: 32, width: 32}
        layers:
          - {type: conv2d, in_channels: 1, out_channels: 8, kernel_size: 3}

    Good::

        name: good-channels
        input: {channels: 3, height: 32, width: 32}
        layers:
          - {type: conv2d, in_channels: 3, out_channels: 8, kernel_size: 3}
    """

    code = "E"
    name = "spec-error"
    severity = Severity.ERROR
    needs = "problems"

    def check(self, ctx: Context) -> Iterator[Finding]:
        for p in ctx.problems:
            hint = p.hint or CORE_CODES.get(p.code, ("", "fix the spec at this position"))[1]
            yield self.finding(p.pos, p.message, hint, p.layer or _entry(ctx, p.pos), p.code)


def _entry(ctx: Context, pos: Pos) -> str:
    """An unnamed layer's label for a load error: `layers[3]`, from the entries' positions."""
    if ctx.doc is None or pos.file != ctx.file:
        return ""
    starts = sorted(
        (v.line, v.col, k[1])
        for k, v in ctx.doc.values.items()
        if len(k) == 2 and k[0] == "layers" and isinstance(k[1], int)
    )
    tops = sorted((v.line, v.col) for k, v in ctx.doc.keys.items() if len(k) == 1)
    at = (pos.line, pos.col)
    for n, (line, col, i) in enumerate(starts):
        end = (
            starts[n + 1][:2]
            if n + 1 < len(starts)
            else min((t for t in tops if t > (line, col)), default=None)
        )
        if (line, col) <= at and (end is None or at < end):
            return f"layers[{i}]"
    return ""
