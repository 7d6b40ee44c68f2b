"""Which specs the CUDA tests run: the zoo (specs/, read at test time), the coverage specs
beside this file, and the input sizes that keep CPU emulation quick."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import torch

from cnncalc.analysis.engine import Report
from cnncalc.api import analyze, load, parse_input
from cnncalc.codegen import generate as generate_torch
from cnncalc.codegen.check import load as load_generated
from cnncalc.errors import CnncalcError

ROOT = Path(__file__).resolve().parents[2]
ZOO = ROOT / "specs"
COVERAGE = sorted((Path(__file__).resolve().parent / "specs").glob("*.yaml"))
# the default run compiles these zoo specs; CNNCALC_CUDA_FULL=1 compiles every one
DEFAULT_ZOO = ("lenet5", "resnet18", "mobilenet_v2")
FULL = os.environ.get("CNNCALC_CUDA_FULL") == "1"


def zoo(full: bool = FULL) -> list[Path]:
    paths = sorted(ZOO.glob("*.yaml"))
    return paths if full else [p for p in paths if p.stem in DEFAULT_ZOO]


@cache
def report(path: Path, small: bool = False) -> Report:
    """The spec's report; with small, at the smallest of a few inputs the network accepts."""
    net = load(path)
    if not small or len(net.input_shape) < 3:
        return analyze(net)
    c, *spatial = net.input_shape
    for size in (32, 64, 96):
        dims = [min(size, int(d)) for d in spatial]
        if len(dims) == 3:  # video: a short clip
            dims[0] = min(dims[0], 4)
        try:
            return analyze(net, parse_input("x".join(map(str, (c, *dims))), net))
        except CnncalcError:
            continue
    return analyze(net)


def torch_class(rep: Report) -> type[torch.nn.Module]:
    """The generated PyTorch module's class for a report (cnncalc's torch backend)."""
    gen = generate_torch(rep, "torch")
    cls: type[torch.nn.Module] = getattr(load_generated(gen), gen.class_name)
    return cls


def torch_layout(rep: Report) -> list[tuple[str, tuple[int, ...]]]:
    """The generated torch module's floating-point state_dict entries, built on the meta device."""
    with torch.device("meta"):
        model = torch_class(rep)()
    return [(k, tuple(v.shape)) for k, v in model.state_dict().items() if v.is_floating_point()]
