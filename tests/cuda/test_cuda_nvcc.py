"""Generated sources compile with nvcc (compile only: no GPU needed), without a warning.

The zoo specs compile for sm_90 machine code plus a generic PTX target (compute_80, which
newer GPUs' drivers compile at load time). nvcc takes 2 to 80 seconds a network, so the
default run compiles LeNet-5, ResNet-18 and MobileNetV2 and the coverage specs (those for
sm_90 only); CNNCALC_CUDA_FULL=1 compiles every spec in specs/, each for both targets.
Compiles run two at a time (CI has two cores)."""

from __future__ import annotations

import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from cu_build import NVCC, NVCC_ARCH, write
from cu_cases import COVERAGE, FULL, report, zoo

from cnncalc.codegen.cuda import generate

pytestmark = pytest.mark.skipif(
    NVCC is None, reason="nvcc is not installed: the CUDA toolkit is needed to compile"
)

SM90 = ["-gencode=arch=compute_90,code=sm_90"]
CASES = [(p, "auto", NVCC_ARCH) for p in sorted(zoo(), key=lambda p: -p.stat().st_size)]
CASES += [(p, form, NVCC_ARCH if FULL else SM90) for p in COVERAGE for form in ("fused", "layered")]


def _id(case: tuple[Path, str, list[str]]) -> str:
    return f"{case[0].stem}-{case[1]}"


@pytest.fixture(scope="module")
def compiled(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Future[subprocess.CompletedProcess[str]]]:
    root = tmp_path_factory.mktemp("nvcc")
    pool = ThreadPoolExecutor(max_workers=2)

    def compile_one(case: tuple[Path, str, list[str]]) -> subprocess.CompletedProcess[str]:
        path, form, arch = case
        module = generate(report(path), form)  # type: ignore[arg-type]
        folder = root / _id(case)
        src = write(module, folder)
        assert NVCC is not None
        cmd = [NVCC, "-std=c++17", "-O3", *arch, "-c", src.name, "-o", f"{module.prefix}.o"]
        return subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=900)

    return {_id(c): pool.submit(compile_one, c) for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_compiles(
    case: tuple[Path, str, list[str]], compiled: dict[str, Future[subprocess.CompletedProcess[str]]]
) -> None:
    done = compiled[_id(case)].result()
    assert done.returncode == 0, done.stderr[-4000:]
    assert "warning" not in done.stderr, done.stderr[-4000:]
