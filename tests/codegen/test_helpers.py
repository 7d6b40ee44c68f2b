"""The modules copied into generated files, against the LeNet-5 paper and brute force:
subsampling is sum × coefficient + bias per map, the table convolution has exactly the
table's parameters and ignores the maps its table leaves out, the RBF output computes
Σ (x − w)² with fixed vectors, SAME padding gives ⌈W/S⌉ with the odd pixel bottom/right."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from cnncalc.codegen.torch_helpers import (  # noqa: E402
    EuclideanRBF,
    LayerNorm2d,
    SamePad,
    ScaledTanh,
    StochasticDepth,
    Subsampling,
    TableConv,
)
from cnncalc.layers.conv import LENET5_TABLE  # noqa: E402


def test_subsampling_is_sum_times_coefficient_plus_bias() -> None:
    torch.manual_seed(0)
    m = Subsampling(3, kernel_size=(2, 2))
    with torch.no_grad():
        m.weight.copy_(torch.tensor([0.5, -1.0, 2.0]))
        m.bias.copy_(torch.tensor([0.1, 0.2, 0.3]))
    x = torch.randn(2, 3, 6, 4)
    y = m(x)
    assert y.shape == (2, 3, 3, 2)
    for n in range(2):
        for c in range(3):
            for i in range(3):
                for j in range(2):
                    window = x[n, c, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].sum()
                    want = window * m.weight[c] + m.bias[c]
                    assert torch.allclose(y[n, c, i, j], want, atol=1e-5)
    assert sum(p.numel() for p in m.parameters()) == 6  # the paper's S2: 6 maps · 2 = 12
    assert sum(p.numel() for p in Subsampling(6, (2, 2), bias=False).parameters()) == 6


def test_table_convolution_has_exactly_the_tables_parameters() -> None:
    m = TableConv(6, LENET5_TABLE, kernel_size=(5, 5))
    assert [p.numel() for p in m.parameters()] == [60 * 25, 16]  # packed: no masked zeros
    assert sum(p.numel() for p in m.parameters()) == 1516  # the paper's C3


def test_table_convolution_reads_only_the_maps_of_its_row() -> None:
    torch.manual_seed(1)
    m = TableConv(6, LENET5_TABLE, kernel_size=(5, 5))
    x = torch.randn(1, 6, 14, 14, requires_grad=True)
    y = m(x)
    assert y.shape == (1, 16, 10, 10)
    for o, row in enumerate(LENET5_TABLE):
        (grad,) = torch.autograd.grad(y[0, o].sum(), x, retain_graph=True)
        touched = {c for c in range(6) if grad[0, c].abs().sum() > 0}
        assert touched == set(row)
    # and it is the plain convolution of those maps with the row's packed kernels
    start = 0
    for o, row in enumerate(LENET5_TABLE):
        w = m.weight[start : start + len(row)].unsqueeze(0)
        want = F.conv2d(x[:, list(row)], w, m.bias[o : o + 1])
        assert torch.allclose(y[:, o : o + 1], want, atol=1e-5)
        start += len(row)


def test_rbf_output_is_squared_distance_with_fixed_vectors() -> None:
    m = EuclideanRBF(84, 10, trainable=False)
    assert [(p.numel(), p.requires_grad) for p in m.parameters()] == [(840, False)]
    assert set(m.weight.unique().tolist()) <= {-1.0, 1.0}
    x = torch.randn(3, 84)
    want = torch.stack([((x - m.weight[i]) ** 2).sum(1) for i in range(10)], dim=1)
    assert torch.allclose(m(x), want, atol=1e-4)
    assert EuclideanRBF(4, 2).weight.requires_grad


def test_scaled_tanh_is_the_papers() -> None:
    a = torch.linspace(-3, 3, 13)
    assert torch.allclose(ScaledTanh()(a), 1.7159 * torch.tanh(2 * a / 3))
    assert abs(ScaledTanh()(torch.tensor(1.0)).item() - 1.0) < 1e-3  # f(1) = 1, the design point


@pytest.mark.parametrize(
    ("w", "k", "s", "d"), [(5, 3, 2, 1), (6, 3, 2, 1), (7, 2, 3, 1), (8, 3, 1, 2), (1, 5, 2, 1)]
)
def test_same_padding_is_tensorflows(w: int, k: int, s: int, d: int) -> None:
    pad = SamePad((k,), (s,), (d,))
    y = F.conv1d(pad(torch.ones(1, 1, w)), torch.ones(1, 1, k), stride=s, dilation=d)
    assert y.shape[-1] == -(-w // s)  # ⌈W/S⌉
    total = max((-(-w // s) - 1) * s + d * (k - 1) + 1 - w, 0)
    padded = pad(torch.ones(1, 1, w))
    assert padded.shape[-1] == w + total
    assert padded[0, 0, : total // 2].sum() == 0 and padded[0, 0, total // 2 : total // 2 + w].all()


def test_stochastic_depth_is_identity_in_eval_and_drops_in_training() -> None:
    x = torch.randn(4, 3)
    assert torch.equal(StochasticDepth(0.5).eval()(x), x)
    assert torch.equal(StochasticDepth(1.0, "batch").train()(x), torch.zeros_like(x))
    assert torch.equal(StochasticDepth(0.0).train()(x), x)


def test_layernorm2d_is_torchvisions_channels_last_layer_norm() -> None:
    """torchvision's LayerNorm2d: F.layer_norm over the channels, permuted there and back;
    its state_dict is nn.LayerNorm(C)'s."""
    torch.manual_seed(0)
    m = LayerNorm2d(5, eps=1e-6)
    with torch.no_grad():
        m.weight.copy_(torch.randn(5))
        m.bias.copy_(torch.randn(5))
    x = torch.randn(2, 5, 3, 4)
    want = F.layer_norm(x.permute(0, 2, 3, 1), (5,), m.weight, m.bias, 1e-6).permute(0, 3, 1, 2)
    assert torch.allclose(m(x), want, atol=1e-6)
    mean = x.mean(1, keepdim=True)
    var = x.var(1, unbiased=False, keepdim=True)
    by_hand = (x - mean) / torch.sqrt(var + 1e-6) * m.weight.view(5, 1, 1) + m.bias.view(5, 1, 1)
    assert torch.allclose(m(x), by_hand, atol=1e-5)
    plain = torch.nn.LayerNorm(5)
    assert {k: v.shape for k, v in m.state_dict().items()} == {
        k: v.shape for k, v in plain.state_dict().items()
    }


def test_helper_sources_fit_generated_files_line_length() -> None:
    """Helpers are copied into generated files, which ruff checks at its default 88 columns
    (a Swin helper comment of 91 broke the clean-clone CI)."""
    from cnncalc.codegen.pytorch import helper_sources

    long = [
        f"{name}: {line}"
        for name, text in helper_sources().items()
        for line in text.splitlines()
        if len(line) > 88
    ]
    assert not long
