"""cnncalc memory SPEC: the bytes autograd saves for backward in one train-mode forward."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cnncalc.cli.common import guarded, writing
from cnncalc.cli.typer_options import InputOpt, SetOpt, SpecArg


class MemoryDType(StrEnum):  # the dtypes tests/torch/test_memory.py proves
    float32 = "float32"
    float64 = "float64"
    bfloat16 = "bfloat16"


def memory(
    spec: SpecArg,
    input: InputOpt = None,
    batch: Annotated[int, typer.Option("--batch", "-b", min=1, help="batch size")] = 2,
    dtype: Annotated[
        MemoryDType, typer.Option("--dtype", help="the network's dtype")
    ] = MemoryDType.float32,
    sets: SetOpt = None,
) -> None:
    """Bytes PyTorch's autograd saves for backward in one forward in train mode, shared
    storages counted once, parameters and buffers left out (docs/memory.md)."""
    from cnncalc.analysis.memory import saved_bytes
    from cnncalc.api import analyze, load, parse_input, parse_sets

    def run() -> str:
        net = load(spec, parse_sets(sets) if sets else None)
        report = analyze(net, parse_input(input, net) if input else None)
        m = saved_bytes(report, batch, dtype.value)
        return f"saved for backward: {m.saved:,} bytes (batch {batch}, {dtype.value})"

    text = guarded(run)
    with writing():  # a failed write is one line, not a bug
        print(text)
