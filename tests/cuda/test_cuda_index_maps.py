"""The CUDA ops' index mappings, written as C text beside their Python definitions, proven equal
to them: for every output element, the input elements the generated C reads (cu_index.py:
one-hot inputs, weights 1, every read bounds-checked) are exactly those the layer's own
definition names —

- sliding windows (conv, maxpool, avgpool, subsample; the direct and the matrix-product form
  of conv): output o reads o·S − P_before + t·D for t < K, within the input, the taps whose
  first and last are `Window.reads()` (layers/window.py); kernel, stride, padding before and
  after, dilation and ceil_mode over every small 1d case, and sampled 2d and 3d ones;
- transposed convolution: the i with i·S − P + t·D = o (layers/conv_transpose.py `reads`);
- adaptive pooling: the bins ⌊o·W/O⌋ .. ⌈(o + 1)·W/O⌉ − 1 of `AdaptivePool.reads`, every
  input and output size up to 8 in 1d;
- upsampling: the source positions of `Upsample.reads` (nearest, nearest-exact, linear modes
  with align_corners either way, sizes and integer and fractional scale factors, the fixed-mode
  2d classes).

The Python definitions are proven against torch elsewhere: receptive fields built from these
`reads` equal the input gradients of the generated torch module (tests/symbolic/
test_receptive.py), shapes equal torch's (tests/torch/test_torch_layers.py). Every case is
compiled into one C file and run in one process."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from cu_index import CC, Case, expected_reads, inside, layer_of, lowered, run

from cnncalc.codegen.cuda.ir import Gemm
from cnncalc.layers.base import Reads
from cnncalc.layers.conv import Conv
from cnncalc.layers.conv_transpose import ConvTranspose
from cnncalc.layers.window import Window

pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler (cc) is installed")

Shape = tuple[int, ...]


def _case(fields: dict[str, object], x: Shape, mode: str = "fused") -> Case | None:
    layer = layer_of(fields)
    found = lowered(layer, x, mode)
    if found is None:
        return None
    step, y, weights = found
    rows = step.p if isinstance(step, Gemm) else step.extent
    groups = int(getattr(layer, "groups", 1))
    cin, cout = x[0], y[0]

    def channels(co: int) -> range:
        if not isinstance(layer, (Conv, ConvTranspose)):
            return range(co, co + 1)  # pooling, upsampling: channel by channel
        g = co // (cout // groups)  # a convolution: its group's input channels
        return range(g * (cin // groups), (g + 1) * (cin // groups))

    if isinstance(layer, ConvTranspose):
        axis = _transposed(layer, x)
    elif layer.input_windows(x):
        axis = _window(layer.input_windows(x), x)
    else:
        axis = _defined(layer, x, y)
        if axis is None:
            return None
    expected = expected_reads(x, y, channels, axis, rows)
    return Case(f"{fields} on {'×'.join(map(str, x))} ({mode})", step, x, y, weights, expected)


def _window(windows: list[Window], x: Shape) -> object:
    def reads(a: int, o: int) -> set[int]:
        w = windows[a]
        taps = [o * w.stride - int(w.before) + t * w.dilation for t in range(w.kernel)]
        span = w.reads().span(o)  # the Python definition: the first and the last tap
        assert span == (taps[0], taps[-1]), (w, o, span)
        return inside(taps, x[1 + a])

    return reads


def _transposed(layer: ConvTranspose, x: Shape) -> object:
    geometry = layer.geometry()

    def reads(a: int, o: int) -> set[int]:
        k, s, p, _, d = geometry[a]
        hits = [(o + p - t * d) // s for t in range(k) if (o + p - t * d) % s == 0]
        span = layer.reads(x, x, a)
        assert isinstance(span, Reads)
        assert span.span(o) == ((min(hits), max(hits)) if hits else None), (layer, o)
        return inside(hits, x[1 + a])

    return reads


def _defined(layer: object, x: Shape, y: Shape) -> object | None:
    """Along each axis, the positions the layer's `reads` names (None: the whole axis); None
    where it defines none (align_corners to one output position)."""
    defs = [layer.reads(x, y, a) for a in range(len(x) - 1)]  # type: ignore[attr-defined]
    if any(isinstance(r, str) for r in defs):
        return None

    def reads(a: int, o: int) -> set[int]:
        r = defs[a]
        if r is None:
            return set(range(x[1 + a]))
        assert isinstance(r, Reads)
        span = r.span(o)
        assert span is not None
        return inside(range(int(span[0]), int(span[1]) + 1), x[1 + a])

    return reads


# ---- the cases ------------------------------------------------------------------------------
def _windows_1d(inputs: int) -> Iterator[tuple[int, int, int, int]]:
    """(input, kernel, stride, dilation): inputs up to `inputs`, kernel and stride up to 3,
    dilation 2 where there are two taps to spread."""
    for n, k, s in itertools.product(range(1, inputs + 1), (1, 2, 3), (1, 2, 3)):
        for d in (1, 2) if k > 1 else (1,):
            yield n, k, s, d


def windows() -> Iterator[Case | None]:
    """Every 1d window up to kernel 3, stride 3, padding 2 each side, dilation 2 and input 6;
    sampled 2d and 3d windows with several channels and groups."""
    for n, k, s, d in _windows_1d(6):
        for b, a in itertools.product(range(3), range(3)):
            conv = {"kernel_size": k, "stride": s, "dilation": d, "padding": [[b, a]]}
            yield _case({"type": "conv1d", "out_channels": 1, **conv}, (1, n))
        for p, ceil in itertools.product(range(k // 2 + 1), (False, True)):
            pool = {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": ceil}
            yield _case({"type": "maxpool1d", "dilation": d, **pool}, (1, n))
            if d == 1:
                yield _case({"type": "avgpool1d", **pool}, (1, n))
        if d == 1:
            yield _case({"type": "subsample1d", "kernel_size": k, "stride": s}, (1, n))
    rng = random.Random(14)
    for dims, count in ((2, 80), (3, 40)):
        for _ in range(count):
            n = [rng.randint(1, 6 if dims == 2 else 4) for _ in range(dims)]
            k = [rng.randint(1, 3) for _ in range(dims)]
            s = [rng.randint(1, 3) for _ in range(dims)]
            d = [rng.randint(1, 2) for _ in range(dims)]
            pads = [[rng.randint(0, 2), rng.randint(0, 2)] for _ in range(dims)]
            g = rng.choice((1, 2))
            conv = {"kernel_size": k, "stride": s, "dilation": d, "padding": pads, "groups": g}
            yield _case({"type": f"conv{dims}d", "out_channels": 2 * g, **conv}, (2 * g, *n))
            p = [rng.randint(0, ki // 2) for ki in k]
            pool = {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": rng.random() < 0.5}
            yield _case({"type": f"maxpool{dims}d", "dilation": d, **pool}, (2, *n))
            yield _case({"type": f"avgpool{dims}d", **pool}, (2, *n))
            yield _case({"type": f"subsample{dims}d", "kernel_size": k, "stride": s}, (2, *n))


def gemms() -> Iterator[Case | None]:
    """conv's matrix-product form (layered, groups 1, 16 output channels, a reduction of 16
    or more): every 1d window up to input 6, and sampled 2d and 3d ones."""
    for n, k, s, d in _windows_1d(5):
        for b, a in itertools.product(range(3), range(3)):
            conv = {"kernel_size": k, "stride": s, "dilation": d, "padding": [[b, a]]}
            cin = math.ceil(16 / k)
            yield _case({"type": "conv1d", "out_channels": 16, **conv}, (cin, n), "layered")
    rng = random.Random(41)
    for dims, count in ((2, 40), (3, 20)):
        for _ in range(count):
            n = [rng.randint(1, 5 if dims == 2 else 4) for _ in range(dims)]
            k = [rng.randint(1, 3) for _ in range(dims)]
            conv = {
                "kernel_size": k,
                "stride": [rng.randint(1, 3) for _ in range(dims)],
                "dilation": [rng.randint(1, 2) for _ in range(dims)],
                "padding": [[rng.randint(0, 2), rng.randint(0, 2)] for _ in range(dims)],
            }
            cin = math.ceil(16 / math.prod(k))
            yield _case({"type": f"conv{dims}d", "out_channels": 16, **conv}, (cin, *n), "layered")


def transposed() -> Iterator[Case | None]:
    for (n, k, s, d), p in itertools.product(_windows_1d(5), range(3)):
        for op in range(max(s, d)):
            fields = {"kernel_size": k, "stride": s, "padding": p, "dilation": d}
            fields |= {"output_padding": op}
            yield _case({"type": "convtranspose1d", "out_channels": 1, **fields}, (1, n))
    rng = random.Random(7)
    for dims, count in ((2, 40), (3, 20)):
        for _ in range(count):
            s = [rng.randint(1, 3) for _ in range(dims)]
            d = [rng.randint(1, 2) for _ in range(dims)]
            fields = {
                "kernel_size": [rng.randint(1, 3) for _ in range(dims)],
                "stride": s,
                "padding": [rng.randint(0, 2) for _ in range(dims)],
                "dilation": d,
                "output_padding": [rng.randrange(max(si, di)) for si, di in zip(s, d, strict=True)],
                "groups": rng.choice((1, 2)),
            }
            x = (4, *(rng.randint(1, 4) for _ in range(dims)))
            yield _case({"type": f"convtranspose{dims}d", "out_channels": 2, **fields}, x)


def adaptive() -> Iterator[Case | None]:
    """Every input and output size up to 8 in 1d; sampled 2d and 3d (a kept axis: None)."""
    for kind, n, o in itertools.product(("avg", "max"), range(1, 9), range(1, 9)):
        yield _case({"type": f"adaptive{kind}pool1d", "output_size": o}, (1, n))
    rng = random.Random(3)
    for dims, count in ((2, 40), (3, 20)):
        for _ in range(count):
            kind = rng.choice(("avg", "max"))
            out = [rng.choice((None, 1, 2, 3, 4, 5)) for _ in range(dims)]
            x = (2, *(rng.randint(1, 6) for _ in range(dims)))
            yield _case({"type": f"adaptive{kind}pool{dims}d", "output_size": out}, x)
    yield _case({"type": "globalavgpool2d"}, (2, 3, 5))
    yield _case({"type": "globalmaxpool3d"}, (2, 2, 3, 4))


SCALES = (1, 2, 3, 0.5, 1.5, 2.5, 0.7, 1.3, 2.1, 3.3, 0.25)


def upsampling() -> Iterator[Case | None]:
    """Every 1d mode (align_corners both ways for linear) from inputs up to 6 to sizes up to
    10 and by integer and fractional scales; sampled 2d and 3d; the fixed-mode 2d classes."""
    modes = [("nearest", None), ("nearest-exact", None), ("linear", False), ("linear", True)]
    for (mode, corners), n in itertools.product(modes, range(1, 7)):
        extra = {"mode": mode} | ({} if corners is None else {"align_corners": corners})
        for o in range(1, 11):
            yield _case({"type": "upsample", "size": o, **extra}, (1, n))
        for f in SCALES:
            yield _case({"type": "upsample", "scale_factor": f, **extra}, (1, n))
    rng = random.Random(5)
    for dims, mode in ((2, "bilinear"), (2, "nearest"), (3, "trilinear"), (3, "nearest-exact")):
        for _ in range(30):
            x = (2, *(rng.randint(1, 5) for _ in range(dims)))
            corners = rng.choice((None, False, True)) if "linear" in mode else None
            extra = {"mode": mode} | ({} if corners is None else {"align_corners": corners})
            if rng.random() < 0.5:
                size = {"size": [rng.randint(1, 9) for _ in range(dims)]}
            else:
                size = {"scale_factor": [rng.choice(SCALES) for _ in range(dims)]}
            yield _case({"type": "upsample", **size, **extra}, x)
    for kind in ("upsamplingnearest2d", "upsamplingbilinear2d"):
        for n, o in itertools.product(range(1, 5), range(1, 9)):
            yield _case({"type": kind, "size": [o, o + 1]}, (2, n, n + 1))
        for f in (1, 2, 3, 1.5):
            yield _case({"type": kind, "scale_factor": f}, (1, 3, 4))


FAMILIES = {
    "windows": windows,
    "conv-gemm": gemms,
    "conv-transpose": transposed,
    "adaptive": adaptive,
    "upsample": upsampling,
}


@pytest.fixture(scope="module")
def results(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, list[tuple[Case, str, list[str]]]]:
    """Every family's cases, compiled into one program and run once."""
    cases = {name: [c for c in make() if c is not None] for name, make in FAMILIES.items()}
    every = [c for cs in cases.values() for c in cs]
    got = iter(run(every, Path(tmp_path_factory.mktemp("index"))))
    return {name: [(c, *next(got)) for c in cs] for name, cs in cases.items()}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_c_reads_what_python_defines(
    family: str, results: dict[str, list[tuple[Case, str, list[str]]]]
) -> None:
    cases = results[family]
    assert len(cases) > 20  # the family's cases lower (a layer refusing them all would pass)
    wrong = []
    for case, flags, reads in cases:
        if flags or reads != case.expected:
            diff = next(
                (
                    f"output {i}: C reads [{g}], Python [{e}]"
                    for i, (g, e) in enumerate(zip(reads, case.expected, strict=True))
                    if g != e
                ),
                "",
            )
            wrong.append(f"{case.what}: {flags} {diff}")
    assert not wrong, f"{len(wrong)} of {len(cases)} cases:\n" + "\n".join(wrong[:20])
