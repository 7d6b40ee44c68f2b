"""The peer tools themselves, run on a generated module (batch 1, eval mode): each returns
its total and, where the tool reports per module, the figure of each layer's module."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
import types
import warnings
from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")


def fresh(build: Callable[[], Any]) -> Any:
    torch.manual_seed(0)
    model = build()
    model.eval()
    return model


def flop_counter(model: Any, x: Any, paths: dict[str, str]) -> tuple[int, dict[str, int]]:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as f:
        model(x)
    counts = f.get_flop_counts()
    per = {}
    for layer, path in paths.items():
        # named from the root's class; a module without a counted op is left out: 0
        key = f"{type(model).__name__}.{path}"
        per[layer] = int(sum(counts.get(key, {}).values()))
    return int(f.get_total_flops()), per


def fvcore(model: Any, x: Any, paths: dict[str, str]) -> tuple[int, dict[str, int]]:
    from fvcore.nn import FlopCountAnalysis

    fa = FlopCountAnalysis(model, x)
    fa.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's own warnings
        by = fa.by_module()
    return int(fa.total()), {layer: int(by[p]) for layer, p in paths.items() if p in by}


def ptflops(backend: str) -> Callable[[Any, Any, dict[str, str]], tuple[int, dict[str, int]]]:
    def run(model: Any, x: Any, paths: dict[str, str]) -> tuple[int, dict[str, int]]:
        from ptflops import get_model_complexity_info

        with contextlib.redirect_stdout(io.StringIO()), torch.no_grad():
            macs, _ = get_model_complexity_info(
                model,
                tuple(x.shape[1:]),
                as_strings=False,
                backend=backend,
                print_per_layer_stat=False,
                input_constructor=lambda _: x,
            )
        assert macs is not None, "ptflops failed"
        return int(macs), {}  # per module it keeps its hooks' part only: totals compared

    return run


def thop(model: Any, x: Any, paths: dict[str, str]) -> tuple[int, dict[str, int]]:
    import thop as tool

    total, _, info = tool.profile(model, (x,), verbose=False, ret_layer_info=True)
    per = {}
    for layer, path in paths.items():
        node: Any = (0, 0, info)
        for part in path.split("."):
            node = node[2].get(part)
            if node is None:
                break
        if node is not None:
            per[layer] = int(node[0])
    return int(total), per


def torchinfo(model: Any, x: Any, paths: dict[str, str]) -> tuple[int, dict[str, int]]:
    import torchinfo as tool

    s = tool.summary(model, input_data=x, verbose=0)
    per: dict[str, int] = {}
    leaves = [i for i in s.summary_list if i.is_leaf_layer]
    for layer, path in paths.items():
        mod = model.get_submodule(path)
        inside = {id(m) for m in mod.modules()}
        per[layer] = sum(int(i.macs) for i in leaves if id(i.module) in inside)
    return int(s.total_mult_adds), per


def calflops(model: Any, x: Any, paths: dict[str, str]) -> tuple[int, dict[str, int]]:
    """calflops' own pipeline. Its package __init__ imports transformers (for its Hugging
    Face helper), which cnncalc's tests do not install: where that import fails, the counting
    modules are loaded from the installed package without its __init__ (they need torch
    and numpy only)."""
    try:
        import calflops  # noqa: F401
    except ImportError:
        spec = importlib.util.find_spec("calflops")
        if spec is None or not spec.submodule_search_locations:
            pytest.fail("calflops is not installed (the test extra)")
        stub = types.ModuleType("calflops")
        stub.__path__ = list(spec.submodule_search_locations)
        sys.modules["calflops"] = stub
    from calflops.calculate_pipline import CalFlopsPipline
    from calflops.utils import get_module_flops

    pipeline = CalFlopsPipline(model, include_backPropagation=False, compute_bp_factor=2.0)
    pipeline.start_flops_calculate(ignore_list=None)
    try:
        with torch.no_grad():
            model(x)
        total = int(pipeline.get_total_flops())
        per = {layer: int(get_module_flops(model.get_submodule(p))) for layer, p in paths.items()}
    finally:
        pipeline.end_flops_calculate()
    return total, per


TOOLS = {
    "torch": flop_counter,
    "fvcore": fvcore,
    "ptflops": ptflops("pytorch"),
    "ptflops-aten": ptflops("aten"),
    "thop": thop,
    "torchinfo": torchinfo,
    "calflops": calflops,
}
