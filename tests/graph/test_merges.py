"""Merges (add, mul, concat), split/chunk with several outputs, channel_shuffle: shape rules
against torch's own (broadcast_shapes, cat, chunk, split), and located errors that name
both inputs."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.api import SpecError, analyze, loads
from cnncalc.errors import LayerError
from cnncalc.layers.base import never_equal
from cnncalc.layers.merge import Concat, Elementwise
from cnncalc.layers.split import Chunk, Split
from cnncalc.sym import Dim, Symbol, evaluate, floordiv, render

torch = pytest.importorskip("torch")

SHAPES = st.lists(st.integers(1, 3), min_size=1, max_size=4).map(tuple)


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as err:
        analyze(loads(text, "m.yaml"))
    return [p.format() for p in err.value.problems]


def _torch_shape(
    kind: str, n: int, a: tuple[int, ...], b: tuple[int, ...]
) -> tuple[int, ...] | None:
    """torch's result for (n, *a) and (n, *b) tensors, the batch included; None: refused."""
    x, y = torch.empty(n, *a, device="meta"), torch.empty(n, *b, device="meta")
    try:
        return tuple((x + y if kind == "add" else x * y).shape)
    except RuntimeError:
        return None


@settings(max_examples=400, deadline=None)
@given(SHAPES, SHAPES, st.sampled_from(["add", "mul"]))
def test_elementwise_broadcasts_as_torch(a: tuple[int, ...], b: tuple[int, ...], kind: str) -> None:
    """torch broadcasts (N, *a) with (N, *b), the batch included. Same rank: cnncalc's verdict
    and shape are torch's, for every batch size. Different ranks: torch lines the shorter
    one's batch up with an axis of the other, so its per-sample result depends on N (or it
    refuses some N): cnncalc refuses them all."""
    layer = Elementwise.model_validate({"type": kind, "from": ["x", "y"]})
    # sizes are 1..3: batches 2 and 3 cannot both match a size a batch lines up with
    by_batch = {n: _torch_shape(kind, n, a, b) for n in (2, 3)}
    if len(a) != len(b):
        with pytest.raises(LayerError, match=rf"cannot {kind} x .* different numbers of dim"):
            layer.infer([a, b])
        two, three = by_batch[2], by_batch[3]
        assert two is None or three is None or two[1:] != three[1:]
        return
    want = by_batch[2]
    if want is None:
        assert by_batch[3] is None
        with pytest.raises(LayerError, match=rf"cannot {kind} x \(.*\) and y"):
            layer.infer([a, b])
        return
    assert by_batch[3] == (3, *want[1:])
    assert layer.infer([a, b]) == want[1:]


def test_different_ranks_are_refused_where_the_merge_is() -> None:
    """The issue's case: a conv's 4×1×1 plus a linear's 4 is (N, 4, N, 4) in torch."""
    text = """
name: r
input: {channels: 4, height: 1, width: 1}
layers:
  - {name: c, type: conv2d, out_channels: 4, kernel_size: 1}
  - {name: f, type: flatten, from: input}
  - {name: l, type: linear, out_features: 4}
  - {name: s, type: add, from: [c, l]}
"""
    [msg] = problems(text)
    col = text.splitlines()[7].index("from") + 1
    assert msg.startswith(f"m.yaml:8:{col}: E102 layer 's': cannot add c (4×1×1) and l (4): ")
    assert "different numbers of dimensions" in msg and "shape: [4, 1, 1]" in msg
    x, y = torch.empty(2, 4, 1, 1, device="meta"), torch.empty(2, 4, device="meta")
    assert tuple((x + y).shape) == (2, 4, 2, 4)  # the batch joined the broadcast
    fixed = text.replace(
        "  - {name: s, type: add, from: [c, l]}",
        "  - {name: u, type: reshape, shape: [4, 1, 1]}\n  - {name: s, type: add, from: [c, u]}",
    )
    assert analyze(loads(fixed, "m.yaml")).layers[-1].output_shape == (4, 1, 1)


@settings(max_examples=200, deadline=None)
@given(st.lists(SHAPES, min_size=2, max_size=3), st.integers(-4, 4))
def test_concat_as_torch(shapes: list[tuple[int, ...]], dim: int) -> None:
    layer = Concat.model_validate(
        {"type": "concat", "dim": dim, "from": [f"t{i}" for i in range(len(shapes))]}
    )
    try:
        want = tuple(torch.cat([torch.empty(1, *s, device="meta") for s in shapes], dim=dim).shape)[
            1:
        ]
        ok = dim != 0 and dim != -len(shapes[0]) - 1  # cnncalc refuses the batch dimension
    except (RuntimeError, IndexError):
        ok = False
    if not ok:
        with pytest.raises(LayerError):
            layer.infer(shapes)
        return
    assert layer.infer(shapes) == want


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(1, 9))
def test_chunk_pieces_as_torch(n: int, chunks: int) -> None:
    want = [t.shape[1] for t in torch.empty(1, n, 2, device="meta").chunk(chunks, dim=1)]
    for k in range(chunks):
        layer = Chunk.model_validate({"type": "chunk", "chunks": chunks, "piece": k})
        if k < len(want):
            assert layer.shape((n, 2)) == (want[k], 2)
        else:  # torch.chunk returns fewer pieces than asked for here
            with pytest.raises(LayerError, match="makes only"):
                layer.shape((n, 2))


@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.integers(0, 2))
def test_split_pieces_as_torch(sizes: list[int], extra: int) -> None:
    n = sum(sizes) + extra
    for k in range(len(sizes)):
        layer = Split.model_validate({"type": "split", "sections": sizes, "piece": k, "dim": 2})
        if extra and k == 0:  # the split's first output says it, once
            with pytest.raises(LayerError, match="add up to"):
                layer.shape((3, n))
        elif extra:
            assert layer.shape((3, n)) == (3, sizes[k])
        else:
            want = torch.empty(1, 3, n, device="meta").split(sizes, dim=2)[k].shape
            assert layer.shape((3, n)) == tuple(want)[1:]


SE = """
name: se
input: {channels: 16, height: 9, width: 9}
blocks:
  squeeze_excite:
    args: {c, r: 4}
    layers:
      - {name: pool, type: adaptiveavgpool2d, output_size: 1}
      - {name: fc1, type: conv2d, out_channels: $c // r, kernel_size: 1}
      - {name: relu, type: relu}
      - {name: fc2, type: conv2d, out_channels: $c, kernel_size: 1}
      - {name: gate, type: sigmoid}
      - {name: scale, type: mul, from: [gate, input]}
layers:
  - {name: se, type: squeeze_excite, c: 16}
  - {name: wide, type: concat, from: [se, input], dim: height}
"""


def test_squeeze_excitation_multiplies_with_broadcasting() -> None:
    r = analyze(loads(SE, "se.yaml"))
    shapes = {s.name: s.output_shape for s in r.layers}
    assert shapes["se.gate"] == (16, 1, 1)
    assert shapes["se.scale"] == (16, 9, 9)
    assert shapes["wide"] == (16, 18, 9)  # concat along a named dim
    assert r.totals.params == (16 * 4 + 4) + (4 * 16 + 16)


# ---- named dims resolve by the input's own axis names ------------------------------------
INPUT_KEYS = ("features", "channels", "length", "depth", "height", "width")
LAYOUTS = [c for r in range(1, 5) for c in itertools.combinations(INPUT_KEYS, r)]


@pytest.mark.parametrize("layout", LAYOUTS, ids="-".join)
def test_named_dims_are_the_inputs_own_as_torch(layout: tuple[str, ...]) -> None:
    """`input: {channels, length, height}`: `dim: height` is its third axis. concat and chunk
    along every name the input gives, against torch.cat and torch.chunk on that axis; a name
    the input does not give is refused, naming the dims it has."""
    sizes = dict(zip(layout, (2, 3, 5, 7), strict=False))
    x = torch.empty(1, *sizes.values(), device="meta")
    head = f"name: d\ninput: {{{', '.join(f'{k}: {v}' for k, v in sizes.items())}}}\nlayers:\n"
    for axis, dim in enumerate(layout):
        spec = head + (
            f"  - {{name: cat, type: concat, from: [input, input], dim: {dim}}}\n"
            f"  - {{name: s, type: chunk, chunks: 2, dim: {dim}}}\n"
        )
        shapes = {s.name: s.output_shape for s in analyze(loads(spec, "d.yaml")).layers}
        cat = torch.cat([x, x], dim=1 + axis)
        assert shapes["cat"] == tuple(cat.shape)[1:], (layout, dim)
        for k, piece in enumerate(cat.chunk(2, dim=1 + axis)):
            assert shapes[f"s.{k}"] == tuple(piece.shape)[1:], (layout, dim)
    for dim in set(INPUT_KEYS) - set(layout):
        [msg] = problems(head + f"  - {{type: concat, from: [input, input], dim: {dim}}}\n")
        assert f"have no {dim} dimension (hint: dims here: {', '.join(layout)})" in msg


def test_named_dims_after_a_change_of_rank_take_the_usual_layout() -> None:
    """Past a flatten the input's names no longer apply: rank 1 is features, 2 channels×length."""
    text = """
name: d
input: {channels: 2, length: 3, height: 5}
layers:
  - {name: f, type: flatten}
  - {name: cat, type: concat, from: [f, f], dim: features}
  - {name: g, type: flatten, start_dim: 2, from: input}
  - {name: cat2, type: concat, from: [g, g], dim: length}
"""
    shapes = {s.name: s.output_shape for s in analyze(loads(text, "m.yaml")).layers}
    assert shapes["cat"] == (60,) and shapes["cat2"] == (2, 30)


def test_merge_messages_name_the_inputs_own_axes() -> None:
    text = """
name: d
input: {channels: 2, length: 3, height: 5}
layers:
  - {name: a, type: maxpool2d, kernel_size: [1, 5]}
  - {name: cat, type: concat, from: [a, input], dim: channels}
"""
    [msg] = problems(text)
    assert "along channels: height 1 vs 5" in msg


MISMATCH = """
name: res
input: {channels: 64, height: 56, width: 56}
blocks:
  res:
    args: {c, stride: 1}
    layers:
      - {name: conv1, type: conv2d, out_channels: $c, kernel_size: 3, stride: $stride, padding: 1}
      - {name: add, type: add, from: [conv1, input]}
layers:
  - {name: layer1, type: res, c: 64}
  - {name: layer2, type: res, c: 128, stride: 2}
"""


def test_merge_error_names_both_inputs_and_points_at_from() -> None:
    [msg] = problems(MISMATCH)
    line = MISMATCH.splitlines().index("      - {name: add, type: add, from: [conv1, input]}") + 1
    col = MISMATCH.splitlines()[line - 1].index("from") + 1
    assert msg.startswith(f"m.yaml:{line}:{col}: E102 layer 'layer2.add': ")
    assert "cannot add conv1 (128×28×28) and input (64×56×56): channels 128 vs 64" in msg


def test_concat_error_names_the_disagreeing_dimension() -> None:
    text = """
name: c
input: {channels: 3, height: 8, width: 8}
layers:
  - {name: a, type: conv2d, out_channels: 4, kernel_size: 3}
  - {name: b, type: conv2d, out_channels: 4, kernel_size: 1, from: input}
  - {name: cat, type: concat, from: [a, b]}
"""
    [msg] = problems(text)
    assert re.search(
        r"m\.yaml:7:\d+: E102 layer 'cat': cannot concat a \(4×6×6\) and b \(4×8×8\) "
        r"along channels: height 6 vs 8",
        msg,
    )


SPLIT = """
name: s
input: {channels: 6, height: 4, width: 4}
layers:
  - {name: s, type: split, sections: [2, 4]}
  - {name: a, type: relu, from: s.1}
  - {name: b, type: conv2d, out_channels: 2, kernel_size: 1, from: s.0}
  - {name: cat, type: concat, from: [a, b]}
  - {name: halves, type: chunk, chunks: 2, dim: width}
  - {name: left, type: identity, from: halves.0}
  - {name: shuffle, type: channelshuffle, groups: 3}
"""


def test_split_outputs_are_named_dot_k() -> None:
    r = analyze(loads(SPLIT, "s.yaml"))
    shapes = {s.name: s.output_shape for s in r.layers}
    assert shapes["s.0"] == (2, 4, 4) and shapes["s.1"] == (4, 4, 4)
    assert shapes["cat"] == (6, 4, 4)
    assert shapes["halves.0"] == shapes["halves.1"] == shapes["left"] == (6, 4, 2)
    assert shapes["shuffle"] == (6, 4, 2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("from: s.1", "from: s"),
            r"s\.yaml:6:\d+: E105 layer 'a': 's' has 2 outputs; say which one "
            r"\(hint: from: s.0 … s.1\)",
        ),
        (
            ("{name: a, type: relu, from: s.1}", "{name: a, type: relu}"),
            r"s\.yaml:6:5: E105 layer 'a': the layer before \(s\) has several outputs",
        ),
        (
            ("sections: [2, 4]", "sections: [2, 3]"),
            r"s\.yaml:5:\d+: E102 layer 's.0': sections \[2, 3\] add up to 5",
        ),
        (
            ("groups: 3", "groups: 4"),
            r"s\.yaml:11:\d+: E102 layer 'shuffle': 6 channels cannot be shuffled",
        ),
        (
            ("from: s.0}", "from: s.2}"),
            r"s\.yaml:7:\d+: E105 layer 'b': from: 's.2' is not an earlier layer",
        ),
    ],
)
def test_split_errors(change: tuple[str, str], message: str) -> None:
    with pytest.raises(SpecError) as err:
        analyze(loads(SPLIT.replace(*change), "s.yaml"))
    [problem] = err.value.problems  # one fault, one message: no cascade
    assert re.search(message, problem.format()), problem.format()


# ---- symbolic sizes: refused only where they can never agree ------------------------------
def _window(h: Dim, k: int, s: int, p: int) -> Dim:
    return floordiv(h + 2 * p - k, s) + 1


@settings(max_examples=300, deadline=None)
@given(
    lo=st.integers(1, 40),
    a=st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(0, 2)),
    b=st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(0, 2)),
    shift=st.integers(-2, 2),
)
def test_never_equal_is_sound_by_brute_force(
    lo: int, a: tuple[int, int, int], b: tuple[int, int, int], shift: int
) -> None:
    """A concat is refused only when no allowed H makes the two sizes agree: where some H in
    range does, never_equal must say no; where it says no, the sizes must differ everywhere."""
    h = Symbol("H", lo, lo + 120)
    x, y = _window(h, *a), _window(h, *b) + shift
    values = range(lo, lo + 121)
    agree = [v for v in values if evaluate(x, {"H": v}) == evaluate(y, {"H": v})]
    if agree:
        assert not never_equal(x, y), (render(x), render(y), agree[:3])
    if never_equal(x, y):
        assert not agree


def test_concat_refuses_symbolic_sizes_that_never_agree_and_keeps_the_rest() -> None:
    text = """
name: c
input: {channels: 3, height: H, width: W}
symbols: {H: {min: 32}, W: {min: 32}}
layers:
  - {name: a, type: conv2d, out_channels: 4, kernel_size: 3, padding: 1}
  - {name: b, type: conv2d, out_channels: 4, kernel_size: 2, stride: 2, from: input}
  - {name: cat, type: concat, from: [a, b]}
"""
    [msg] = problems(text)
    assert "cannot concat a (4×H×W) and b (4×⌊H/2⌋×⌊W/2⌋) along channels: height H vs ⌊H/2⌋" in msg
    # ⌊H/2⌋ and 2·⌊H/4⌋ agree for some H (H ≡ 0, 1 mod 4): left to `cnncalc sizes`
    sometimes = text.replace(
        "  - {name: cat, type: concat, from: [a, b]}",
        "  - {name: p, type: maxpool2d, kernel_size: 4, from: input}\n"
        "  - {name: u, type: upsample, scale_factor: 2, from: p}\n"
        "  - {name: c2, type: conv2d, out_channels: 3, kernel_size: 1, from: b}\n"
        "  - {name: cat, type: concat, from: [c2, u]}",
    )
    rep = analyze(loads(sometimes, "m.yaml"))
    assert [s.name for s in rep.layers][-1] == "cat"


def test_layernorm_refuses_a_symbolic_size_that_can_never_match() -> None:
    text = """
name: n
input: {channels: 8, length: L}
symbols: {L: {min: 20}}
layers:
  - {name: ln, type: layernorm, normalized_shape: [16]}
"""
    [msg] = problems(text)
    assert "E102 layer 'ln': normalized_shape [16] does not match" in msg
    fits = text.replace("{L: {min: 20}}", "{L: {min: 8}}")
    assert analyze(loads(fits, "m.yaml")).layers[-1].name == "ln"
