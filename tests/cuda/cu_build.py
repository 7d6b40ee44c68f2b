"""Compiling generated modules in tests: nvcc (compile only) and g++ with the CPU emulation
header (a shared library the generated ctypes loader can call)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

from cnncalc.codegen.cuda import CudaModule

HERE = Path(__file__).resolve().parent
EMU = HERE / "cuda_emu.h"
NVCC = shutil.which("nvcc")
GXX = shutil.which("g++")
# sm_90 machine code plus a generic PTX target (compute_80) that any newer GPU's driver can
# compile: what a user building for "whatever GPU runs this" would ship
NVCC_ARCH = ["-gencode=arch=compute_90,code=sm_90", "-gencode=arch=compute_80,code=compute_80"]


def write(module: CudaModule, folder: Path) -> Path:
    module.write(folder)
    return folder / f"{module.prefix}.cu"


def nvcc_compile(module: CudaModule, folder: Path) -> subprocess.CompletedProcess[str]:
    """nvcc -c: machine code for sm_90 and PTX; returns the finished process."""
    assert NVCC is not None
    src = write(module, folder)
    cmd = [NVCC, "-std=c++17", "-O3", *NVCC_ARCH, "-c", src.name, "-o", f"{module.prefix}.o"]
    return subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=600)


def emulated(module: CudaModule, folder: Path) -> ModuleType:
    """Build the module for the CPU emulation and import its generated loader."""
    assert GXX is not None
    src = write(module, folder)
    lib = folder / f"lib{module.prefix}.so"
    cmd = [
        GXX,
        "-x",
        "c++",
        "-std=c++17",
        "-O2",
        "-march=native",
        "-shared",
        "-fPIC",
        "-DCNN_EMULATE",
        "-include",
        str(EMU),
        src.name,
        "-o",
        lib.name,
    ]
    done = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise AssertionError(f"g++ failed on {src}:\n{done.stderr[-4000:]}")
    return load_loader(folder, module, f"gen_{module.prefix}_{id(folder)}")


def load_loader(folder: Path, module: CudaModule, name: str) -> ModuleType:
    """Import the generated ctypes loader `folder/<prefix>.py` under a name unique to this
    process (`name` and the pid)."""
    spec = importlib.util.spec_from_file_location(
        f"{name}_{os.getpid()}", folder / f"{module.prefix}.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
