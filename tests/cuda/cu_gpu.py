"""On a machine with a CUDA GPU: build generated modules with nvcc (in parallel), load them
through their ctypes loader, and set up the generated torch module beside them with the same
weights. Shared by test_gpu_equal.py and benchmarks/cuda_bench.py."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import cu_reference as reference
import torch
from cu_build import NVCC, load_loader
from cu_cases import ZOO, report, torch_class

from cnncalc.analysis.engine import Report
from cnncalc.codegen.cuda import CudaModule, generate

# the networks the proof names
PROOF = ("lenet5", "alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2")


def no_tf32() -> None:
    """fp32 on both sides: torch's matrix products and convolutions must not use TF32."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


@dataclass
class Built:
    name: str
    report: Report
    module: CudaModule
    lib: ModuleType  # the generated loader, imported


def build_one(name: str, folder: Path, mode: str = "auto") -> Built:
    """Generate and build one zoo network; a folder holding this very source and its library
    (built by an earlier run: the proof and the benchmark share CNNCALC_CUDA_BUILD) is reused."""
    rep = report(ZOO / f"{name}.yaml")
    module = generate(rep, mode)  # type: ignore[arg-type]
    src, lib = folder / f"{module.prefix}.cu", folder / f"lib{module.prefix}.so"
    fresh = lib.exists() and src.exists() and src.read_text() == module.files[src.name]
    module.write(folder)
    if fresh:
        return Built(name, rep, module, load_loader(folder, module, f"cuda_{name}_{mode}"))
    assert NVCC is not None
    cmd = [
        NVCC,
        "-std=c++17",
        "-O3",
        "-arch=native",
        "-Xcompiler",
        "-fPIC",
        "-shared",
        "-o",
        f"lib{module.prefix}.so",
        f"{module.prefix}.cu",
    ]
    done = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=900)
    if done.returncode:
        raise RuntimeError(f"nvcc failed for {name}:\n{done.stderr[-4000:]}")
    return Built(name, rep, module, load_loader(folder, module, f"cuda_{name}_{mode}"))


def build_root(default: Path) -> Path:
    """Where builds go: CNNCALC_CUDA_BUILD if set (shared between runs), else `default`."""
    shared = os.environ.get("CNNCALC_CUDA_BUILD")
    return Path(shared) if shared else default


def build_all(names: tuple[str, ...], root: Path, mode: str = "auto") -> dict[str, Built]:
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        futures = {n: pool.submit(build_one, n, root / f"{n}-{mode}", mode) for n in names}
        return {n: f.result() for n, f in futures.items()}


def weights_for(b: Built, seed: int = 0) -> dict[str, torch.Tensor]:
    return {
        k: v.float()
        for k, v in reference.random_weights(
            [(w.key, w.shape) for w in b.module.weights], seed
        ).items()
    }


def torch_model(b: Built, weights: dict[str, torch.Tensor], device: str = "cuda") -> Any:
    model = torch_class(b.report)().to(device).eval()
    state = model.state_dict()
    state.update({k: v.to(device) for k, v in weights.items()})
    model.load_state_dict(state)
    return model


def relative_error(y: torch.Tensor, ref: torch.Tensor) -> float:
    if torch.isnan(y).any():
        return float("nan")
    return float((y.double() - ref.double()).norm() / ref.double().norm())


def forward(b: Built, model: Any, x: torch.Tensor) -> torch.Tensor:
    """The generated module on device tensors, into an output poisoned with NaN."""
    batch = x.shape[0]
    total = sum(size for _, _, size in b.lib.OUTPUTS)
    out = torch.full((total * batch,), float("nan"), device=x.device)
    rc = model._f("forward")(model.handle, x.data_ptr(), out.data_ptr(), batch)
    if rc:
        raise RuntimeError(model._f("last_error")().decode())
    shape, offset, size = b.lib.OUTPUTS[0]
    return out[offset * batch : (offset + size) * batch].reshape(batch, *shape)
