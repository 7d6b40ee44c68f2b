"""The proof on a GPU: for LeNet-5, AlexNet, VGG-16, ResNet-18, ResNet-50 and MobileNetV2, with
random weights and inputs at batch 1 and 64, the generated CUDA module's output equals the
generated torch module's on the same GPU within 1e-4 relative error (‖y − ref‖ / ‖ref‖), fp32
on both sides (TF32 off). LeNet-5 is checked in both forms (one fused kernel; layered).

Skipped without a CUDA device. One command on a GPU machine: benchmarks/cuda_gpu.sh."""

from __future__ import annotations

import pytest
import torch
from cu_build import NVCC

pytestmark = [
    pytest.mark.skipif(
        not torch.cuda.is_available(), reason="no CUDA device: the proof needs a GPU"
    ),
    pytest.mark.skipif(NVCC is None, reason="nvcc is not installed"),
]
TOL = 1e-4


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from cu_gpu import PROOF, build_all, build_root, no_tf32

    no_tf32()
    root = build_root(tmp_path_factory.mktemp("gpu"))
    out: dict[str, object] = dict(build_all(PROOF, root))
    out["lenet5-layered"] = build_all(("lenet5",), root, "layered")["lenet5"]
    return out


@pytest.mark.parametrize("batch", [1, 64])
@pytest.mark.parametrize(
    "name", ["lenet5", "lenet5-layered", "alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2"]
)
def test_equal_to_torch(name: str, batch: int, built: dict[str, object]) -> None:
    from cu_gpu import Built, forward, relative_error, torch_model, weights_for

    b = built[name]
    assert isinstance(b, Built)
    weights = weights_for(b, seed=batch)
    ours = b.lib.Model({k: v for k, v in weights.items()})
    ref_model = torch_model(b, weights)
    g = torch.Generator(device="cuda").manual_seed(batch)
    x = torch.randn(batch, *b.module.input_shape, device="cuda", generator=g)
    y = forward(b, ours, x)
    with torch.no_grad():
        ref = ref_model(x)
    err = relative_error(y, ref)
    assert err < TOL, f"{name} batch {batch}: relative error {err:.3e}"
    # the loader's own call, from host memory, gives the same numbers
    host = ours(x.cpu())
    assert torch.equal(host, y.cpu())


def test_lenet_at_the_throughput_batch(built: dict[str, object]) -> None:
    """Batch 8192 runs the fused kernel with 256 threads per sample (batches 1 and 64 get
    1024): the benchmark's configuration gives the right numbers too."""
    from cu_gpu import Built, forward, relative_error, torch_model, weights_for

    b = built["lenet5"]
    assert isinstance(b, Built)
    weights = weights_for(b, seed=8192)
    x = torch.randn(8192, *b.module.input_shape, device="cuda")
    with torch.no_grad():
        ref = torch_model(b, weights)(x)
    err = relative_error(forward(b, b.lib.Model(weights), x), ref)
    assert err < TOL, f"lenet5 batch 8192: relative error {err:.3e}"
