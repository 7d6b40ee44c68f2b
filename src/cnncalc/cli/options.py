"""The options of `cnncalc shapes` and `cnncalc params`, each written once, as data.

Both command lines are built from this table: typer's (cli/typer_options.py makes each entry
an `Annotated[..., typer.Option(...)]` parameter and each command's signature) and the fast
parser's (cli/fast.py reads it as it is, without importing typer). A new option is one entry
here and its name in REPORTS; tests/perf/test_fast_cli.py holds the two views together."""

from __future__ import annotations

from typing import Any, NamedTuple

from cnncalc.cli.common import By, DType, Format, Units


class Opt(NamedTuple):  # a NamedTuple: a fifth of a dataclass's cost on every start
    param: str  # the command's parameter, as typer names it (and its errors)
    names: tuple[str, ...]  # "--input", "-i"
    type: type  # str, int, bool or a StrEnum; Optional where the default is None
    default: Any
    help: str
    key: str = ""  # emit's keyword, where it is not `param`
    show_default: bool = True

    @property
    def keyword(self) -> str:
        return self.key or self.param


INPUT = Opt(
    "input",
    ("--input", "-i"),
    str,
    None,
    "override the spec's input, e.g. 3x224x224 or 3xHxW",
    key="input_text",
    show_default=False,
)
SYMBOLS = Opt(
    "symbols",
    ("--symbols",),
    str,
    None,
    "bound the input's symbols, e.g. 'H>=32, W>=32' or '32<=H<=4096' (over the spec's symbols:)",
    key="symbols_text",
    show_default=False,
)
FORMAT = Opt("format", ("--format", "-f"), Format, Format.table, "output format", key="fmt")
EXPLAIN = Opt("explain", ("--explain", "-e"), bool, False, "show each layer's arithmetic")
DTYPE = Opt("dtype", ("--dtype",), DType, DType.float32, "element type for memory figures")
ASCII = Opt(
    "ascii",
    ("--ascii",),
    bool,
    False,
    "pure ASCII output: x, *, floor(), ceil(), +-| boxes for the symbols",
)
DEPTH = Opt(
    "depth",
    ("--depth", "-d"),
    int,
    None,
    "fold blocks to N levels, with a subtotal row per block",
    show_default=False,
)
SET = Opt(
    "set",
    ("--set",),
    list[str],
    None,
    "set one of the spec's args:, e.g. --set width=0.75 (repeatable)",
    key="sets",
    show_default=False,
)
RF = Opt("rf", ("--rf",), bool, False, "add each layer's receptive field, jump and offset")
CONVENTION = Opt(
    "convention",
    ("--convention",),
    str,
    None,
    "add each layer's count under a peer tool's convention (torch, fvcore, thop: see flops)",
    show_default=False,
)

BY = Opt(
    "by",
    ("--by",),
    By,
    None,
    "group the layers by kind (type) or by block (block, to --depth levels): params, MACs, "
    "activations and each one's share",
    show_default=False,
)
TREE = Opt(
    "tree",
    ("--tree",),
    bool,
    False,
    "the nested view: blocks with their layers, subtotals per block; --depth limits it",
)
UNITS = Opt(
    "units", ("--units",), Units, Units.exact, "exact figures, or si: 25.6M, 4.09G (not JSON)"
)

# each report command's options, in the order --help lists them
REPORTS: dict[str, tuple[Opt, ...]] = {
    "shapes": (INPUT, SYMBOLS, FORMAT, ASCII, SET),
    "params": (
        INPUT,
        SYMBOLS,
        FORMAT,
        EXPLAIN,
        DTYPE,
        ASCII,
        DEPTH,
        RF,
        SET,
        CONVENTION,
        BY,
        UNITS,
        TREE,
    ),
}
