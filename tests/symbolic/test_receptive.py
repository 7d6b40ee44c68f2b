"""Receptive fields against brute force: the input pixels whose gradient is nonzero for one
output pixel (torch autograd, all weights positive, positive input, so no two paths cancel;
max pooling measured as the mean over the same windows, whose gradient reaches every pixel
of the window). For every output position: the pixels that matter lie inside the field
cnncalc gives; where the field lies inside the input, its first and last pixels matter. The
reported size, jump and offset place each interior output's field exactly."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, note, settings

from cnncalc.analysis.engine import LayerStats, Report, analyze
from cnncalc.analysis.receptive import WHOLE, FieldMap, receptive_fields, trace
from cnncalc.api import loads
from cnncalc.spec.network import INPUT
from tests.codegen.strategies import networks
from tests.symbolic.windows import window_nets

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from cnncalc.codegen import generate  # noqa: E402
from cnncalc.codegen.check import load as load_generated  # noqa: E402

POSITIONS = 6  # output positions per layer and axis probed


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Any:
    """Hundreds of tiny backward passes: a thread pool only waits on itself (20× slower)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# layers whose gradient can cancel or vanish on a positive input (statistics over positions,
# a softmax summed over its channels): the brute-force measure does not apply to them
UNMEASURABLE = (
    "softmax",
    "logsoftmax",
    "groupnorm",
    "layernorm",
    "instancenorm",
    "track_running_stats",
    "multiscaleattention",  # a softmax inside; at batch 1 on parameters (strategies.mvit_attention)
)


class WindowMean(nn.Module):  # type: ignore[misc]
    """A max pooling's windows averaged (every pixel of a window gets a gradient): average
    pooling over the input with zeros put past its far ends, cut to the max pooling's output.
    The windows start where the max pooling's do, and the zeros add no path to the input; a
    plain AvgPool3d would refuse an input smaller than the kernel even with ceil_mode, where
    MaxPool3d gives one window."""

    def __init__(self, pool: Any) -> None:
        super().__init__()
        self.pool = pool
        d = int(type(pool).__name__[-2])
        assert pool.dilation in (1, (1,) * d), "a dilated max pooling has no mean to measure it"
        self.avg = getattr(torch.nn.functional, f"avg_pool{d}d")
        self.k, self.s, self.p = (
            v if isinstance(v, tuple) else (v,) * d
            for v in (pool.kernel_size, pool.stride, pool.padding)
        )

    def forward(self, x: Any) -> Any:
        want = self.pool(x).shape[2:]  # the max pooling's own output size
        far = [
            n for k, s in zip(reversed(self.k), reversed(self.s), strict=True) for n in (0, k + s)
        ]
        y = self.avg(torch.nn.functional.pad(x, far), self.k, self.s, self.p, ceil_mode=False)
        return y[(..., *(slice(0, n) for n in want))]


def positive_model(report: Report) -> tuple[Any, dict[str, str]]:
    """The generated torch module, every weight 1/fan-in and bias 0 (values keep the input's
    scale), max pools as window means (WindowMean)."""
    gen = generate(report, "torch")
    model = getattr(load_generated(gen), gen.class_name)().eval()
    for m in list(model.modules()):
        for name, child in list(m.named_children()):
            n = type(child).__name__
            if n.startswith("MaxPool"):
                setattr(m, name, WindowMean(child))
            elif n.startswith("AdaptiveMaxPool"):
                setattr(m, name, getattr(nn, f"AdaptiveAvgPool{n[-2:]}")(child.output_size))
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.fill_(0.0 if name.endswith("bias") else 1.0 if p.dim() <= 1 else 1.0 / p[0].numel())
            p.requires_grad_(False)  # gradients for the input only
    return model, gen.modules


def written(s: LayerStats) -> bool:
    """A layer generated as a forward expression (an add, a roll), not as a module."""
    return s.node.layer.torch_modules(s.input_shapes[0], s.output_shape) is None


def measure(report: Report, mirrored: bool = False, only: set[str] | None = None) -> int:
    """Check every layer's fields against the gradients; returns how many interior output
    positions pinned a field exactly (the caller wants some). `mirrored`: reflect, replicate
    or circular padding, where a border output reads pixels outside its field (copies)."""
    model, modules = positive_model(report)
    maps = trace(report)
    figures = receptive_fields(report)
    outs: dict[str, Any] = {}
    for s in report.layers:
        if (only and s.name not in only) or len(s.output_shape) != len(report.input_shape):
            continue
        if s.name in modules:
            sub = model.get_submodule(modules[s.name])
            sub.register_forward_hook(lambda m, i, o, name=s.name: outs.setdefault(name, o))
            continue
        # a layer written in forward (add, concat): its output as a module that reads it sees it
        # (not a layer written in forward itself: the module at its name is its activation,
        # which sees that layer's result, e.g. after a roll, not this layer's output)
        reader = next(
            (
                r
                for r in report.layers
                if r.node.inputs[:1] == (s.name,) and r.name in modules and not written(r)
            ),
            None,
        )
        if reader is not None:

            def seen(m: Any, a: tuple[Any, ...], name: str = s.name) -> None:
                outs.setdefault(name, a[0])  # None: a value a pre-hook returns replaces the
                # module's inputs (a two-input module, Swin v2's attention, lost its second)

            model.get_submodule(modules[reader.name]).register_forward_pre_hook(seen)
    # small positive values: saturating activations (hardsigmoid, relu6) stay in their slopes
    x = torch.full((1, *report.input_shape), 0.01, dtype=torch.float64, requires_grad=True)
    model.double()(x)
    sizes = report.input_shape[1:]
    exact = 0
    for name, y in outs.items():
        if not isinstance(y, torch.Tensor) or y.dim() != len(report.input_shape) + 1:
            continue
        dims = y.shape[2:]
        probes = [
            [round(i * (n - 1) / max(1, POSITIONS - 1)) for i in range(POSITIONS)] for n in dims
        ]
        for k in range(POSITIONS):
            at = tuple(p[k] for p in probes)
            (grad,) = torch.autograd.grad(y[(0, slice(None), *at)].sum(), x, retain_graph=True)
            g = grad[0].abs().sum(0)  # over channels
            spans = [
                st.span(o) if isinstance(st, FieldMap) else ()
                for st, o in zip(maps[name], at, strict=True)
            ]
            if None in spans:  # reads nothing along an axis: only a bias reaches it
                assert not g.any(), (name, at)
                continue
            inside = all(interior(report, name, axis, o, o) for axis, o in enumerate(at))
            for axis in range(len(sizes)):
                other = tuple(a for a in range(g.dim()) if a != axis)
                hit = torch.nonzero(g.sum(other) if other else g).flatten().tolist()
                if inside or not mirrored:
                    exact += check_axis(
                        maps[name][axis], figures[name][axis], at[axis], hit, inside, name
                    )
    return exact


def interior(report: Report, name: str, axis: int, a: int, b: int) -> bool:
    """Whether output positions a..b of a layer read, through every layer back to the input,
    only real positions (no padding anywhere): there the unclipped field is the exact one."""
    if name == INPUT:
        return a >= 0 and b < report.input_shape[1 + axis]
    s = next(s for s in report.layers if s.name == name)
    if not 0 <= a <= b < s.output_shape[1 + axis]:
        return False
    for src, x in zip(s.node.inputs, s.input_shapes, strict=True):
        reads = s.node.layer.reads(x, s.output_shape, axis)
        if reads is None or isinstance(reads, str):
            return False
        lo, hi = reads.span(a), reads.span(b)
        if lo is None or hi is None or not interior(report, src, axis, int(lo[0]), int(hi[1])):
            return False
    return True


def check_axis(state: Any, fig: Any, o: int, hit: list[int], inside: bool, name: str) -> int:
    if state == WHOLE or isinstance(state, str):
        assert fig.note == (WHOLE if state == WHOLE else state)
        return 0
    assert isinstance(state, FieldMap)
    span = state.span(o)
    assert span is not None
    first, last = span
    assert all(first <= h <= last for h in hit), (name, o, span, hit[:3], hit[-3:])
    if not inside:
        return 0
    assert hit and (hit[0], hit[-1]) == (first, last), (name, o, span, hit[:3], hit[-3:])
    assert last - first + 1 <= fig.size  # the largest field over positions
    if len(state.table) == 1:  # every output's field alike: the figures place it
        mid = fig.center + o * fig.jump
        assert (first, last) == (mid - Fraction(fig.size - 1, 2), mid + Fraction(fig.size - 1, 2))
        assert fig.size == last - first + 1
    return 1


def spec_report(spec: dict[str, Any] | str) -> Report:
    text = spec if isinstance(spec, str) else yaml.safe_dump(spec, sort_keys=False)
    if not isinstance(spec, str):
        note(text)
    return analyze(loads(text, "rf.yaml"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=window_nets(size=(24, 48)))
def test_random_window_chains(spec: dict[str, Any]) -> None:
    measure(spec_report(spec))


# max pooling's windows past a 1×1×1 input (ceil_mode): torch's AvgPool3d refuses the input
# as smaller than the kernel, where MaxPool3d and AvgPool2d accept it (WindowMean pads first)
MAXPOOL3D_PAST_THE_INPUT = {
    "name": "t",
    "input": {"channels": 1, "depth": 1, "height": 1, "width": 1},
    "layers": [{"type": "maxpool3d", "kernel_size": 2, "ceil_mode": True}],
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=networks(graph=True))
@example(spec=MAXPOOL3D_PAST_THE_INPUT)
def test_random_graphs(spec: dict[str, Any]) -> None:
    assume(not any(word in yaml.safe_dump(spec) for word in UNMEASURABLE))
    # a dilated max pooling has no average-pooling twin to measure it with
    assume(
        not any(
            "maxpool" in layer.get("type", "") and "dilation" in layer for layer in spec["layers"]
        )
    )
    report = spec_report(spec)
    assume(len(report.input_shape) > 1)
    measure(report, mirrored="padding_mode" in yaml.safe_dump(spec))


RESIDUAL = """\
name: thin residual net (ResNet-18's geometry, 4 channels)
input: {channels: 1, height: 160, width: 144}
blocks:
  basic:
    args: {planes, stride: 1, down: false}
    layers:
      - {name: conv1, type: conv2d, out_channels: $planes, kernel_size: 3, stride: $stride,
         padding: 1}
      - {name: bn1, type: batchnorm2d, activation: relu}
      - {name: conv2, type: conv2d, out_channels: $planes, kernel_size: 3, padding: 1}
      - {name: bn2, type: batchnorm2d}
      - name: downsample
        from: input
        if: $down
        layers:
          - {type: conv2d, out_channels: $planes, kernel_size: 1, stride: $stride}
          - {type: batchnorm2d}
      - {name: add, type: add, from: [bn2, downsample], activation: relu}
layers:
  - {name: conv1, type: conv2d, out_channels: 4, kernel_size: 7, stride: 2, padding: 3}
  - {name: maxpool, type: maxpool2d, kernel_size: 3, stride: 2, padding: 1}
  - {name: layer1, type: basic, planes: 4, repeat: 2}
  - {name: layer2, type: basic, planes: 4, repeat: 2, stride: $2 if i == 0 else 1, down: $i == 0}
  - {name: layer3, type: basic, planes: 4, repeat: 2, stride: $2 if i == 0 else 1, down: $i == 0}
"""

# Paths whose fields are centred apart: the union is larger than either (3 and 5 -> 6), where
# taking the larger of the two sizes would be wrong.
LOPSIDED = """\
name: lopsided branches
input: {channels: 1, height: 40, width: 40}
layers:
  - {name: a, type: conv2d, out_channels: 2, kernel_size: 3, padding: 1}
  - {name: b, type: conv2d, out_channels: 2, kernel_size: 5, padding: [[0, 4], [4, 0]], from: input}
  - {name: sum, type: add, from: [a, b]}
  - {name: c, type: conv2d, out_channels: 1, kernel_size: 3, stride: 2}
"""


def test_residual_net() -> None:
    report = spec_report(RESIDUAL)
    assert (
        measure(report, only={"conv1", "maxpool", "layer1.1.add", "layer2.0.add", "layer3.0.add"})
        > 10
    )
    fields = receptive_fields(report)
    assert fields["layer2.1.add"][0].size == 99 and fields["layer3.1.add"][0].jump == 16


def test_union_of_lopsided_paths() -> None:
    report = spec_report(LOPSIDED)
    assert measure(report) > 10
    h, w = receptive_fields(report)["sum"]
    assert (h.size, h.center, w.size, w.center) == (6, Fraction(3, 2), 6, Fraction(-3, 2))


def test_thin_unet_up_path() -> None:
    """specs/unet.yaml's geometry with 1 to 16 channels: transposed convolutions (jump 1/2
    per step up), concatenated skips."""
    from tests.symbolic.kit import ROOT

    text = (ROOT / "specs" / "unet.yaml").read_text()
    for wide, thin in (("1024", "16"), ("512", "8"), ("256", "4"), ("128", "2"), ("64", "1")):
        text = text.replace(f"out: {wide}", f"out: {thin}")
    text = text.replace("height: 512, width: 512", "height: 240, width: 224").replace(
        "expect:", "#"
    )
    report = spec_report(text)
    assert (
        measure(
            report, only={"down2.pool", "down4.conv.conv2", "up1.cat", "up2.up", "up3.cat", "outc"}
        )
        > 10
    )
    assert receptive_fields(report)["outc"][0].size == 204


PIXEL_SHUFFLE = """name: sub-pixel
input: {channels: 2, height: 25, width: 19}
layers:
  - {name: c1, type: conv2d, out_channels: 8, kernel_size: 3, padding: 1}
  - {name: up, type: pixelshuffle, upscale_factor: 2}
  - {name: c2, type: conv2d, out_channels: 3, kernel_size: 3}
  - {name: down, type: pixelunshuffle, downscale_factor: 3}
  - {name: c3, type: conv2d, out_channels: 2, kernel_size: 3, padding: 1}
"""


def test_pixel_shuffle_and_unshuffle() -> None:
    """pixelshuffle: output o reads input ⌊o/r⌋; pixelunshuffle: o·r … o·r + r − 1."""
    report = spec_report(PIXEL_SHUFFLE)
    assert measure(report) > 10
    fields = receptive_fields(report)
    assert (fields["up"][0].size, fields["up"][0].jump) == (3, Fraction(1, 2))
    assert (fields["down"][0].size, fields["down"][0].jump) == (5, Fraction(3, 2))
