"""Blocks, groups, repeat, if, names, and their located errors."""

from __future__ import annotations

import re
import time

import pytest

from cnncalc.api import SpecError, analyze, loads
from cnncalc.spec import blocks

HEAD = "name: t\ninput: {channels: 3, height: 16, width: 16}\n"


def names(text: str) -> list[str]:
    return [n.name for n in loads(HEAD + text, "t.yaml").nodes]


def shapes(text: str) -> dict[str, tuple[int, ...]]:
    return {s.name: tuple(s.output_shape) for s in analyze(loads(HEAD + text, "t.yaml")).layers}


def errors(text: str) -> list[str]:
    with pytest.raises(SpecError) as err:
        analyze(loads(HEAD + text, "t.yaml"))
    return [p.format() for p in err.value.problems]


def line_of(text: str, needle: str) -> int:
    """1-based line in HEAD + text of the first line containing needle."""
    return next(i for i, s in enumerate((HEAD + text).splitlines(), 1) if needle in s)


CBR = """
blocks:
  cbr:
    args: {out, k: 3, stride: 1, pad: $k // 2}
    layers:
      - {type: conv2d, out_channels: $out, kernel_size: $k, stride: $stride, padding: $pad,
         bias: false}
      - {type: batchnorm2d}
      - {type: relu}
"""


def test_names_follow_torch() -> None:
    got = names(
        CBR
        + """
layers:
  - {name: stem, type: cbr, out: 8}
  - {name: layer1, type: cbr, out: 8, repeat: 2}
  - {type: cbr, out: 8}
  - name: features
    layers:
      - {type: cbr, out: 8}
      - {type: maxpool2d, kernel_size: 2}
      - {type: cbr, out: 8, repeat: 2}
      - {type: relu, name: last}
"""
    )
    assert got == [
        "stem.0",
        "stem.1",
        "stem.2",  # a block instance: positions inside
        "layer1.0.0",
        "layer1.0.1",
        "layer1.0.2",  # a named repeat is a container
        "layer1.1.0",
        "layer1.1.1",
        "layer1.1.2",
        "cbr_1.0",
        "cbr_1.1",
        "cbr_1.2",  # unnamed at the top: the loader's scheme
        "features.0.0",
        "features.0.1",
        "features.0.2",  # a group numbers like nn.Sequential
        "features.1",
        "features.2.0",
        "features.2.1",
        "features.2.2",  # unnamed repeats take one position each
        "features.3.0",
        "features.3.1",
        "features.3.2",
        "features.last",
    ]


def test_inline_blocks_join_the_list_and_skipped_entries_take_no_position() -> None:
    got = names("""
blocks:
  conv_relu:
    inline: true
    args: {out, bn: false}
    layers:
      - {type: conv2d, out_channels: $out, kernel_size: 3, padding: 1}
      - {type: batchnorm2d, if: $bn}
      - {type: relu}
layers:
  - name: features
    layers:
      - {type: conv_relu, out: 4, repeat: 2}
      - {type: maxpool2d, kernel_size: 2}
      - {type: conv_relu, out: 4, bn: true}
""")
    assert got == [f"features.{i}" for i in range(8)]


def test_arguments_defaults_lets_and_the_repeat_index() -> None:
    got = shapes("""
blocks:
  b:
    args: {c, t: 2, wide: $c * t}
    let: {half: $wide // 2, name3: "$'x' + str(c)"}
    layers:
      - {name: expand, type: conv2d, out_channels: $wide, kernel_size: 1}
      - {name: $name3, type: conv2d, out_channels: $half, kernel_size: 1}
layers:
  - {name: s, type: b, c: 4}
  - {name: r, type: b, c: $4 * (i + 1), t: 1, repeat: 3}
""")
    assert got["s.expand"] == (8, 16, 16) and got["s.x4"] == (4, 16, 16)
    assert [got[f"r.{i}.expand"][0] for i in range(3)] == [4, 8, 12]
    assert got["r.2.x12"] == (6, 16, 16)


def test_references_to_blocks_groups_and_skipped_entries() -> None:
    got = shapes("""
blocks:
  two:
    inputs: [x, skip]
    layers:
      - {name: up, type: conv2d, out_channels: 4, kernel_size: 1, from: x}
      - {name: cat, type: concat, from: [up, skip]}
  res:
    args: {c, project: false}
    layers:
      - {name: conv, type: conv2d, out_channels: $c, kernel_size: 3, padding: 1}
      - {name: shortcut, type: conv2d, out_channels: $c, kernel_size: 1, from: input, if: $project}
      - {name: add, type: add, from: [conv, shortcut]}
layers:
  - {name: a, type: res, c: 3}
  - {name: b, type: res, c: 5, project: true}
  - {name: g, from: input, layers: [{type: relu}, {type: relu}]}
  - {name: j, type: two, from: [b, g]}
  - {name: k, type: add, from: [a, g]}
outputs: [j, k]
""")
    assert got["a.add"] == (3, 16, 16)  # no projection: the skipped `shortcut` is the input
    assert "b.shortcut" in got
    assert got["j.cat"] == (7, 16, 16)  # block instances and groups stand for their output
    assert got["k"] == (3, 16, 16)
    top = shapes("""
layers:
  - {name: a, type: conv2d, out_channels: 4, kernel_size: 1}
  - {name: extra, type: conv2d, out_channels: 4, kernel_size: 1, if: false}
  - {name: b, type: add, from: [a, extra]}
""")
    assert top["b"] == (4, 16, 16)  # the skipped `extra` is its input, a
    net = loads(
        HEAD + "layers: [{name: a, type: relu}, {name: g, layers: [{type: relu}]}]\noutputs: [g]",
        "t.yaml",
    )
    assert net.outputs == ("g.0",)


def test_an_error_inside_a_block_points_at_the_definition_and_names_the_instance() -> None:
    text = (
        CBR
        + """
layers:
  - {name: layer1, type: cbr, out: 8, repeat: 2}
  - {name: layer2, type: cbr, out: 8, k: 31, pad: 0, repeat: 2}
"""
    )
    [msg] = errors(text)
    line = line_of(text, "type: conv2d, out_channels: $out")
    assert re.match(
        rf"t\.yaml:{line}:\d+: E100 layer 'layer2\.0\.0': kernel extent 31 is larger", msg
    ), msg


@pytest.mark.parametrize(
    ("use", "needle", "message"),
    [
        (
            "{name: x, type: cbr, out: 8, kk: 3}",
            "kk: 3",
            r"E110 layer 'x': block 'cbr' has no argument 'kk' \(hint: did you mean 'k'\?\)",
        ),
        ("{name: x, type: cbr}", "type: cbr}", r"E110 layer 'x': block 'cbr' needs argument 'out'"),
        (
            "{name: x, type: cbr, out: $8 / 3}",
            "type: conv2d",
            r"E002 layer 'x\.0': out_channels: must be a positive integer, got 2\.66",
        ),
        (
            "{name: x, type: cbr, out: $oops}",
            "$oops",
            r"E111 layer 'x': \$oops, column 2: unknown name 'oops'",
        ),
        (
            "{name: x, type: cbr, out: 8, repeat: $-1}",
            "repeat",
            r"E110 layer 'x': repeat: must be an integer from 0 to 10,000",
        ),
        (
            "{name: x, type: cbr, out: 8, if: 1}",
            "if: 1",
            r"E111 layer 'x': if: must be true or false",
        ),
        (
            "{name: x, type: crb, out: 8}",
            "crb",
            r"E003 layer 'x': unknown layer type or block 'crb' \(hint: did you mean .*'cbr'",
        ),
        (
            "{name: x, type: cbr, out: 8, from: nope}",
            "nope",
            r"E105 layer 'x': from: 'nope' is not an earlier layer",
        ),
    ],
)
def test_located_errors(use: str, needle: str, message: str) -> None:
    text = CBR + f"layers:\n  - {use}\n"
    [msg] = errors(text)
    assert re.match(rf"t\.yaml:{line_of(text, needle)}:\d+: {message}", msg), msg


def test_a_fault_in_a_definition_is_reported_once() -> None:
    text = """
blocks:
  b:
    let: {h: $zz}
    layers: [{type: relu}]
layers:
  - {name: a, type: b, repeat: 3}
  - {name: c, type: b}
"""
    assert len(errors(text)) == 1


@pytest.mark.parametrize(
    ("defs", "message"),
    [
        ("  a: {layers: [{type: a}]}", r"t\.yaml:5:\d+: E112 block 'a' uses itself \(a → a\)"),
        (
            "  a: {layers: [{type: b}]}\n"
            "  b: {layers: [{type: relu}, {name: g, layers: [{type: a}]}]}",
            r"t\.yaml:6:\d+: E112 block 'a' uses itself \(a → b → a\)",
        ),
        (
            "  a: {args: {t: b}, layers: [{type: $t}]}\n  b: {layers: [{type: a}]}",
            r"E112 layer 'x(\.0)+': block 'a' uses itself \(a → b → a\)",
        ),
    ],
)
def test_blocks_that_use_themselves_are_refused(defs: str, message: str) -> None:
    text = f"\nblocks:\n{defs}\nlayers:\n  - {{name: x, type: a}}\n"
    msgs = errors(text)
    assert any(re.search(message, m) for m in msgs), msgs


@pytest.mark.parametrize(
    ("defs", "message"),
    [
        (
            "  b: {layer: []}",
            r"E110 unknown key 'layer' in block 'b' \(hint: did you mean 'layers'",
        ),
        ("  conv2d: {layers: [{type: relu}]}", r"E110 block name 'conv2d' is a layer type"),
        ("  b: {args: {i: 1}, layers: [{type: relu}]}", r"E110 bad args name 'i'"),
        ("  b: {args: [c], layers: [{type: relu}]}", r"E110 args must map names to values"),
        ("  b: {inline: maybe, layers: [{type: relu}]}", r"E110 inline must be true or false"),
        ("  b: {}", r"E110 block 'b' needs a non-empty layers: list"),
    ],
)
def test_bad_definitions(defs: str, message: str) -> None:
    text = f"\nblocks:\n{defs}\nlayers:\n  - {{type: relu}}\n"
    msgs = errors(text)
    assert any(re.search(r"t\.yaml:5:\d+: " + message, m) for m in msgs), msgs


def test_expansion_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "MAX_NODES", 50)
    text = (
        CBR
        + "layers:\n  - {name: x, type: cbr, out: 4, repeat: 9}\n"
        + "  - {name: y, type: cbr, out: 4, repeat: 9}\n"
    )
    assert any("expands to more than 50 layers" in m for m in errors(text))
    deep = "blocks:\n" + "".join(f"  b{i}: {{layers: [{{type: b{i + 1}}}]}}\n" for i in range(80))
    deep += "  b80: {layers: [{type: relu}]}\nlayers:\n  - {type: b0}\n"
    assert any("nested deeper than 64" in m for m in errors(deep))


def test_symbolic_sizes_flow_through_blocks() -> None:
    text = (
        CBR.replace("\nblocks:", "blocks:")
        + "layers:\n  - {name: x, type: cbr, out: 8, stride: 2, repeat: 2}\n"
    )
    net = loads(
        "name: t\ninput: {channels: 3, height: H, width: 16}\nsymbols: {H: {min: 8, max: 64}}\n"
        + text,
        "t.yaml",
    )
    out = analyze(net).outputs[0]
    assert out[0] == 8 and out[2] == 4 and not isinstance(out[1], int)


# ---- names computed per repetition; explicit names win over automatic ones ----------------
def test_a_repeat_named_by_an_expression_names_each_repetition() -> None:
    text = """
blocks:
  pair:
    layers:
      - {name: "$'c' + str(i)", type: conv2d, out_channels: 4, kernel_size: 1, repeat: 2}
      - {name: sum, type: add, from: [c0, c1]}
layers:
  - {name: "$'top' + str(i)", type: relu, repeat: 2}
  - {name: p, type: pair}
  - {name: "$$lit", type: relu, repeat: 2}
  - {name: back, type: identity, from: top1}
"""
    assert names(text) == ["top0", "top1", "p.c0", "p.c1", "p.sum", "$lit.0", "$lit.1", "back"]
    # the same expression without repeat: gives the same names
    once = "layers:\n  - {name: \"$'top' + str(0)\", type: relu}\n"
    assert names(once) == ["top0"]


def test_a_repeated_expression_name_that_does_not_change_is_a_duplicate() -> None:
    text = "layers:\n  - {name: \"$'top'\", type: relu, repeat: 2}\n"
    [msg] = errors(text)
    assert msg.startswith(f"t.yaml:{line_of(text, 'top')}:12: E004 ")
    assert "duplicate layer name 'top'" in msg


def test_explicit_names_win_over_automatic_ones() -> None:
    text = """
blocks:
  flat:
    inline: true
    layers:
      - {type: relu}
      - {name: relu_2, type: relu}
  b:
    layers:
      - {type: conv2d, out_channels: 3, kernel_size: 1}
      - {name: "0", type: relu}
      - {type: relu}
layers:
  - {type: conv2d, out_channels: 3, kernel_size: 1}
  - {type: relu}
  - {type: flat}
  - {name: blk, type: b}
  - {name: conv2d_1, type: relu}
  - {name: relu_1, type: relu, from: conv2d_2}
"""
    got = names(text)
    # conv2d_1, relu_1 (top level) and relu_2 (an inline block's) are written out: the
    # unnamed layers skip them; in a block, an unnamed entry skips a position named "0"
    assert got == [
        "conv2d_2",
        "relu_3",
        "relu_4",
        "relu_2",
        "blk.conv2d_3",
        "blk.0",
        "blk.2",
        "conv2d_1",
        "relu_1",
    ]
    assert len(set(got)) == len(got)


def test_two_explicit_names_clash_at_the_second() -> None:
    text = """
layers:
  - {type: conv2d, out_channels: 3, kernel_size: 1}
  - {name: x, type: relu}
  - {type: relu}
  - {name: x, type: relu}
"""
    [msg] = errors(text)
    second = line_of(text, "{name: x, type: relu}") + 2
    assert msg.startswith(f"t.yaml:{second}:12: E004 layer 'x': duplicate layer name 'x'")
    assert f"(first at line {second - 2})" in msg


def test_an_expression_name_that_meets_an_automatic_one_says_so() -> None:
    text = """
blocks:
  b:
    layers:
      - {type: relu}
      - {name: "$str(0)", type: relu}
layers:
  - {name: blk, type: b}
"""
    [msg] = errors(text)
    assert msg.startswith(f"t.yaml:{line_of(text, 'str(0)')}:")
    assert "'blk.0' is the automatic name of an earlier layer" in msg


# ---- the expansion's work is bounded, not only the layers it emits -------------------------
EMPTY_NEST = """
blocks:
  nothing:
    layers:
      - {type: relu, if: false}
  inner:
    layers:
      - {type: nothing, repeat: 10000}
  outer:
    layers:
      - {type: inner, repeat: 10000}
layers:
  - {type: outer, repeat: 10000}
  - {type: relu}
"""


def test_nested_repeats_of_blocks_that_emit_nothing_fail_fast() -> None:
    """10^12 instances that emit nothing never reach the layer limit: the repeat counts'
    product is refused where it passes the limit, before the work is done."""
    start = time.perf_counter()
    [msg] = errors(EMPTY_NEST)
    assert time.perf_counter() - start < 1.0
    where = line_of(EMPTY_NEST, "{type: inner, repeat: 10000}")
    col = (HEAD + EMPTY_NEST).splitlines()[where - 1].index("repeat:") + 9
    assert msg.startswith(f"t.yaml:{where}:{col}: E110 ")
    assert "repeat: 10,000 inside repeats of 10,000 repetitions in all comes to 100,000,000" in msg
    assert f"more than the {blocks.MAX_WORK:,} entries" in msg


def test_every_entry_visited_counts_toward_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks that list a block ten times, nested, without repeat: the visits are counted."""
    monkeypatch.setattr(blocks, "MAX_WORK", 5_000)
    fan = "blocks:\n  b0: {layers: [{type: relu, if: false}]}\n"
    fan += "".join(
        f"  b{k}: {{layers: [{', '.join([f'{{type: b{k - 1}}}'] * 10)}]}}\n" for k in range(1, 8)
    )
    fan += "layers:\n  - {type: b7}\n  - {type: relu}\n"
    visits = 0
    original = blocks.Expander.visit

    def counted(self: blocks.Expander, *args: object) -> None:
        nonlocal visits
        visits += 1
        original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(blocks.Expander, "visit", counted)
    [msg] = errors(fan)
    assert "the spec's expansion visits more than 5,000 entries" in msg
    assert visits < 5_100  # stopped there, not after the 2 × 10^7 the blocks make
    # under the limit the same blocks expand
    assert names(fan.replace("b7}\n  - {type: relu}", "b2}\n  - {type: relu}"))[-1] == "relu_1"
