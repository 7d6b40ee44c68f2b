"""A strategy for chains of window layers over 2-d inputs: convolutions with per-axis
kernels, strides, dilations and every padding form, pooling with ceil_mode, subsampling,
transposed convolutions, upsampling and explicit padding. Each candidate layer is checked
against cnncalc's model for the shape at hand (tests.codegen.strategies.outcome)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.codegen.strategies import outcome

Spec = dict[str, Any]


@st.composite
def window_layer(draw: st.DrawFn, grow: bool, pooling: bool) -> dict[str, Any]:
    kinds = ["conv", "conv", "conv", "avgpool", "subsample"]
    kinds += ["maxpool"] if pooling else []
    kinds += ["convtranspose", "upsample", "pad"] if grow else []
    kind = draw(st.sampled_from(kinds))
    pair = st.tuples(st.integers(1, 5), st.integers(1, 5))
    if kind == "conv":
        k = draw(pair)
        stride = draw(st.sampled_from([1, 1, 2, 3, [1, 2], [2, 1]]))
        dilation = draw(st.sampled_from([1, 1, 1, 2, [1, 2]]))
        padding = draw(st.sampled_from([0, 1, 2, [1, 0], "valid", "same", "tf_same", "pairs"]))
        if padding == "same" and stride != 1:
            padding = "tf_same"
        if padding == "pairs":
            padding = [[draw(st.integers(0, 3)), draw(st.integers(0, 3))] for _ in range(2)]
        return {"type": "conv2d", "out_channels": draw(st.integers(1, 2)),
                "kernel_size": list(k), "stride": stride, "padding": padding,
                "dilation": dilation}  # fmt: skip
    if kind in ("maxpool", "avgpool"):
        k = draw(st.integers(1, 4))
        return {"type": f"{kind}2d", "kernel_size": k, "stride": draw(st.integers(1, 3)),
                "padding": draw(st.integers(0, k // 2)),
                "ceil_mode": draw(st.booleans())}  # fmt: skip
    if kind == "subsample":
        return {"type": "subsample2d", "kernel_size": draw(st.integers(1, 3))}
    if kind == "convtranspose":
        s = draw(st.integers(1, 3))
        k = draw(st.integers(1, 4))
        return {"type": "convtranspose2d", "out_channels": draw(st.integers(1, 2)),
                "kernel_size": k, "stride": s, "padding": draw(st.integers(0, (k - 1) // 2)),
                "output_padding": draw(st.integers(0, s - 1))}  # fmt: skip
    if kind == "upsample":
        return {
            "type": "upsample",
            "scale_factor": 2,
            "mode": draw(st.sampled_from(["nearest", "bilinear"])),
        }
    return {"type": "zeropad2d", "padding": [draw(st.integers(0, 2)) for _ in range(4)]}


@st.composite
def window_nets(
    draw: st.DrawFn, grow: bool = True, pooling: bool = True, size: tuple[int, int] = (16, 64)
) -> Spec:
    """A sequential net of 1 to 7 window layers on a C×H×W input; every layer's output at
    least 1×1 for the drawn input (and at most 160 wide)."""
    x0 = (draw(st.integers(1, 2)), draw(st.integers(*size)), draw(st.integers(*size)))
    x = x0
    layers: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 7))):
        for _ in range(10):
            layer = draw(window_layer(grow, pooling))
            y = outcome(layer, [x])
            if y is not None and max(y[1:]) <= 160:
                layers.append(layer)
                x = y
                break
    if not layers:
        layers.append({"type": "conv2d", "out_channels": 1, "kernel_size": 1})
    return {"name": "window chain", "input": {"channels": x0[0], "height": x0[1], "width": x0[2]},
            "layers": layers}  # fmt: skip
