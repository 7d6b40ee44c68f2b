"""LeNet-only layer kinds (no torch module) against the paper's own counting rules (section
II.B), on random configurations: subsampling, convolution through a connection table, the RBF
output layer and the scaled tanh. (tests/torch also checks subsample and connection-table
shapes, parameters and MACs against torch modules that compute the same thing.)"""

from __future__ import annotations

import math

from core_util import one
from hypothesis import given, settings
from hypothesis import strategies as st

SETTINGS = settings(deadline=None, max_examples=60)


@SETTINGS
@given(
    c=st.integers(1, 16),
    k=st.integers(1, 4),
    s=st.one_of(st.none(), st.integers(1, 4)),
    bias=st.booleans(),
    h=st.integers(4, 40),
    w=st.integers(4, 40),
)
def test_subsample(c: int, k: int, s: int | None, bias: bool, h: int, w: int) -> None:
    """'Each unit … adds the four inputs, multiplies by a trainable coefficient, adds a trainable
    bias': 2 parameters per map; each unit has k·k inputs + 1 bias connection."""
    stride = s or k
    layer = {"type": "subsample2d", "kernel_size": k, "bias": bias, **({"stride": s} if s else {})}
    st_ = one((c, h, w), layer)
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    assert st_.output_shape == (c, oh, ow)
    assert st_.counts.trainable == c * (2 if bias else 1)
    assert st_.counts.connections == c * oh * ow * (k * k + (1 if bias else 0))
    assert st_.counts.macs == c * oh * ow  # the one multiply by the coefficient


@SETTINGS
@given(
    data=st.data(),
    cin=st.integers(1, 8),
    k=st.integers(1, 5),
    h=st.integers(5, 20),
    bias=st.booleans(),
)
def test_connection_table_conv(data: st.DataObject, cin: int, k: int, h: int, bias: bool) -> None:
    """A map reading m input maps has m·k² weights + 1 bias; connections = params × positions."""
    rows = data.draw(
        st.lists(
            st.lists(st.integers(0, cin - 1), min_size=1, max_size=cin, unique=True),
            min_size=1,
            max_size=12,
        )
    )
    layer = {
        "type": "conv2d",
        "out_channels": len(rows),
        "kernel_size": k,
        "bias": bias,
        "connection_table": rows,
    }
    s = one((cin, h, h), layer)
    out = h - k + 1
    params = sum(len(r) * k * k + (1 if bias else 0) for r in rows)
    assert s.output_shape == (len(rows), out, out)
    assert s.counts.trainable == params
    assert s.counts.connections == params * out * out
    assert s.counts.macs == sum(len(r) for r in rows) * k * k * out * out


@SETTINGS
@given(fin=st.integers(1, 200), fout=st.integers(1, 20), trainable=st.booleans())
def test_rbf(fin: int, fout: int, trainable: bool) -> None:
    """y_i = Σ_j (x_j − w_ij)²: one parameter and one connection per (input, output) pair."""
    s = one((fin,), {"type": "rbf", "out_features": fout, "trainable": trainable})
    assert s.output_shape == (fout,)
    assert (s.counts.trainable, s.counts.fixed) == (
        (fin * fout, 0) if trainable else (0, fin * fout)
    )
    assert s.counts.connections == fin * fout


@SETTINGS
@given(shape=st.lists(st.integers(1, 9), min_size=1, max_size=4))
def test_scaled_tanh(shape: list[int]) -> None:
    """The squashing function belongs to the unit: no parameters, no connections of its own."""
    s = one(tuple(shape), {"type": "scaled_tanh"})
    assert s.output_shape == tuple(shape)
    c = s.counts
    assert (c.trainable, c.fixed, c.connections, c.macs) == (0, 0, 0, 0)
    assert math.isclose(1.7159 * math.tanh(2 / 3), 1.0, abs_tol=1e-4)  # the paper's f(1) ≈ 1
