"""Generated modules, built with g++ against the CPU emulation of CUDA (cuda_emu.h: each
block's threads are coroutines, so barriers and shared-memory tiles behave as on a GPU),
run through their own ctypes loader, and compared with two authorities that are not the
generator: the generated PyTorch module (cnncalc's torch backend) with the same state_dict,
and torch.nn.functional layer by layer (cu_reference.py), both in float64.

Each run poisons the output with NaN first, so an element the kernels never write fails."""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import cu_reference as reference
import pytest
import torch
from cu_build import GXX, emulated
from cu_cases import COVERAGE, ZOO, report, torch_class, zoo

from cnncalc.analysis.engine import Report
from cnncalc.codegen.cuda import CudaModule, generate

pytestmark = [
    pytest.mark.skipif(GXX is None, reason="g++ is not installed: cannot build the CPU emulation"),
    pytest.mark.filterwarnings("ignore:Using padding='same'"),  # torch's note on even kernels
]

# (spec, form, small input)
# the zoo first: the largest builds start first (two at a time) and the small ones fill in
CASES = [
    (p, "auto", True) for p in sorted(zoo(), key=lambda p: -p.stat().st_size) if p.stem != "lenet5"
]
CASES += [(ZOO / "lenet5.yaml", "auto", False), (ZOO / "lenet5.yaml", "layered", False)]
CASES += [(p, form, False) for p in COVERAGE for form in ("fused", "layered")]
RTOL = 1e-5  # ‖y − ref‖ / ‖ref‖, float32 against float64


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Iterator[None]:
    """torch's float64 depthwise convolutions run ~50× slower with two threads beside the
    compilers than with one: keep torch to one thread here."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _id(case: tuple[Path, str, bool]) -> str:
    return f"{case[0].stem}-{case[1]}"


@pytest.fixture(scope="module")
def builds(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Future[tuple[Report, CudaModule, ModuleType]]]:
    """Every case's library, built two at a time (the CI machine has two cores)."""
    root = tmp_path_factory.mktemp("emu")
    pool = ThreadPoolExecutor(max_workers=2)

    def build(case: tuple[Path, str, bool]) -> tuple[Report, CudaModule, ModuleType]:
        path, form, small = case
        rep = report(path, small)
        module = generate(rep, form)  # type: ignore[arg-type]
        return rep, module, emulated(module, root / _id(case))

    return {_id(c): pool.submit(build, c) for c in CASES}


def run(gen: ModuleType, model: Any, x: torch.Tensor) -> list[torch.Tensor]:
    """forward on a NaN-filled output buffer; the outputs as the loader lays them out."""
    batch = x.shape[0]
    total = sum(size for _, _, size in gen.OUTPUTS)
    out = torch.full((total * batch,), math.nan)
    rc = model._f("forward")(model.handle, x.data_ptr(), out.data_ptr(), batch)
    assert rc == 0, model._f("last_error")()
    return [out[o * batch : (o + s) * batch].reshape(batch, *shape) for shape, o, s in gen.OUTPUTS]


def close(y: torch.Tensor, ref: torch.Tensor, what: str) -> None:
    assert not torch.isnan(y).any(), f"{what}: NaN in the output (an element never written?)"
    err = ((y.double() - ref).norm() / ref.norm()).item()
    worst = ((y.double() - ref).abs().max() / ref.abs().max()).item()
    assert err < RTOL and worst < 10 * RTOL, (
        f"{what}: relative error {err:.2e}, worst element {worst:.2e}"
    )


def torch_outputs(
    rep: Report, weights: dict[str, torch.Tensor], x: torch.Tensor
) -> list[torch.Tensor]:
    model = torch_class(rep)().double().eval()
    state = model.state_dict()
    state.update(weights)  # every float tensor; num_batches_tracked stays as built
    model.load_state_dict(state)
    with torch.no_grad():
        y = model(x)
    return list(y) if isinstance(y, tuple) else [y]


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_outputs_equal_torch(case: tuple[Path, str, bool], builds: dict[str, Future[Any]]) -> None:
    rep, module, gen = builds[_id(case)].result()
    assert case[1] == "auto" or module.mode == case[1]
    weights = reference.random_weights(
        [(w.key, w.shape) for w in module.weights], seed=len(module.weights)
    )
    model = gen.Model(gen.pack({k: v.float() for k, v in weights.items()}))
    g = torch.Generator().manual_seed(7)
    for batch in (1, 3):
        x = torch.randn(batch, *module.input_shape, generator=g)
        ys = run(gen, model, x)
        owners = {w.key: w.layer for w in module.weights}
        refs = reference.run(rep, weights, owners, x.double())
        mods = torch_outputs(rep, weights, x.double())
        assert len(ys) == len(refs) == len(mods)
        for k, (y, ref, mod) in enumerate(zip(ys, refs, mods, strict=True)):
            close(y, ref, f"output {k} vs torch.nn.functional, batch {batch}")
            close(y, mod, f"output {k} vs the generated torch module, batch {batch}")


def test_lenet_at_a_large_batch(builds: dict[str, Future[Any]]) -> None:
    """Past 2 × the GPU's multiprocessor count the fused kernel runs 256 threads per sample
    (1024 below): both block sizes give the same numbers. Also: the loader's own call."""
    rep, module, gen = builds[_id((ZOO / "lenet5.yaml", "auto", False))].result()
    assert module.mode == "fused"
    weights = reference.random_weights([(w.key, w.shape) for w in module.weights], seed=3)
    model = gen.Model(gen.pack(weights))
    x = torch.randn(9, *module.input_shape)
    y = model(x)
    ref = reference.run(rep, weights, {w.key: w.layer for w in module.weights}, x.double())[0]
    close(y, ref, "batch 9")
    close(model(x[4:5]), ref[4:5], "batch 1")


def test_weights_file_and_wrong_count(builds: dict[str, Future[Any]], tmp_path: Path) -> None:
    _, module, gen = builds[_id((ZOO / "lenet5.yaml", "layered", False))].result()
    weights = reference.random_weights([(w.key, w.shape) for w in module.weights], seed=5)
    flat = gen.pack(weights)
    path = tmp_path / "lenet5.bin"
    path.write_bytes(flat.numpy().astype("<f4").tobytes())
    x = torch.randn(2, *module.input_shape)
    from_file = gen.Model(path)(x)
    assert torch.equal(from_file, gen.Model(flat)(x))
    with pytest.raises(
        RuntimeError, match="the weights hold 60839 floats, this network takes 60840"
    ):
        gen.Model(flat[:-1])
    path.write_bytes(path.read_bytes() + b"\0\0\0\0")
    with pytest.raises(RuntimeError, match="60841 floats"):
        gen.Model(path)
    with pytest.raises(RuntimeError, match="No such file"):
        gen.Model(tmp_path / "missing.bin")
