"""Repetitions of blocks and groups that cannot emit a layer are expanded once and then only
named (spec/blocks.py: `Expander.walk`): the same network or the same problems as expanding
every one of them (`blocks.WALK_QUIET = False`), for a fraction of the block instances."""

from __future__ import annotations

import random
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustness.mutate import empty_blocks, pick

from cnncalc.api import SpecError, loads
from cnncalc.spec import blocks

HEAD = "name: t\ninput: {channels: 3, height: 8, width: 8}\n"

# a fuzz input (issue 14): 111,111 block instances, none of which emits a layer
FUZZ = """layers:
  - {type: relu}
  - {type: void4, repeat: 10}
blocks:
  void0: {layers: [{type: relu, if: false}, {type: relu, if: $1 == 2}]}
  void1: {layers: [{type: void0, repeat: 10}]}
  void2: {inline: true, layers: [{type: void1, repeat: 10}]}
  void3: {inline: true, layers: [{type: void2, repeat: 10}]}
  void4: {layers: [{type: void3, repeat: 10}]}
"""


def outcome(text: str) -> tuple[Any, ...]:
    """Everything the loader gives: the layers with their inputs, the scopes and what they
    output (in order), the outputs; or every problem, in order."""
    try:
        net = loads(text, "t.yaml")
    except SpecError as err:
        return ("problems", [(p.pos, p.message, p.hint, p.layer, p.code) for p in err.problems])
    return (
        [(n.name, n.inputs) for n in net.nodes],
        list(net.aliases.items()),
        list(net.scopes.items()),
        net.outputs,
    )


def both(monkeypatch: pytest.MonkeyPatch, text: str) -> tuple[tuple[Any, ...], int, int]:
    """The outcome, checked equal with every repetition expanded, and the block instances
    made with the walk and without it."""
    made = 0
    instance = blocks.Expander.instance

    def counted(self: blocks.Expander, *args: Any) -> None:
        nonlocal made
        made += 1
        instance(self, *args)

    monkeypatch.setattr(blocks.Expander, "instance", counted)
    monkeypatch.setattr(blocks, "WALK_QUIET", True)
    fast = outcome(text)
    walked, made = made, 0
    monkeypatch.setattr(blocks, "WALK_QUIET", False)
    assert outcome(text) == fast
    return fast, walked, made


def test_the_fuzz_input_makes_a_few_instances_and_stops_where_it_did() -> None:
    made = 0
    instance = blocks.Expander.instance

    def counted(self: blocks.Expander, *args: Any) -> None:
        nonlocal made
        made += 1
        instance(self, *args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(blocks.Expander, "instance", counted)
        [problem] = outcome(HEAD + FUZZ)[1]
    # the message and place every repetition expanded gives: at 50,000 entries (MAX_WORK),
    # the product of the nested repeats is refused where it passes, after a few instances
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(blocks, "WALK_QUIET", False)
        [full] = outcome(HEAD + FUZZ)[1]
    assert problem == full
    assert f"more than the {blocks.MAX_WORK:,} entries a spec may expand" in problem[1]
    assert made <= 40


def test_an_accepted_spec_names_every_walked_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    """One void4 (31,111 entries visited): accepted, with the 11,001 scopes of its 11,111
    instances (void2 and void3 are inline), and layers after it read those by name."""
    text = HEAD + FUZZ.replace("repeat: 10}\nblocks", "repeat: 1}\n" + READERS + "blocks")
    (nodes, aliases, scopes, _), walked, made = both(monkeypatch, text)
    assert len(scopes) == 11_001 and dict(scopes)["void4_1.999.9"] == "void0"
    assert len(aliases) == 11_001 and dict(aliases)["void4_1.999.9"] == "relu_1"
    assert [n for n, _ in nodes] == ["relu_1", "relu_2", "relu_3"]
    assert [i for _, i in nodes[1:]] == [("relu_1",), ("relu_1",)]
    assert made == 11_111 and walked < 20


READERS = "  - {type: relu, from: void4_1.500}\n  - {type: relu, from: void4_1.7.3}\n"


def test_a_name_taken_inside_a_walked_scope_is_avoided_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`void1_2.0` is a piece of a chunk named by an expression: the second void1 numbers its
    instances around it (void1_2.void0_1), as expanding it does."""
    text = HEAD + (
        "layers:\n"
        "  - {name: $'void1_2', type: chunk, chunks: 2}\n"
        "  - {type: relu, from: void1_2.0}\n"
        "  - {type: void1, repeat: 3}\n"
        "blocks:\n"
        "  void0: {layers: [{type: relu, if: false}]}\n"
        "  void1: {layers: [{type: void0, repeat: 2}]}\n"
    )
    (_, _, scopes, _), walked, made = both(monkeypatch, text)
    assert [name for name, _ in scopes] == [
        "void1_1", "void1_1.0", "void1_1.1",
        "void1_2", "void1_2.void0_1", "void1_2.void0_2",
        "void1_3", "void1_3.0", "void1_3.1",
    ]  # fmt: skip
    assert walked < made


@pytest.mark.parametrize(
    "layers",
    [
        # the third repetition would take void1_3, whose layer failed: reported again
        "  - {name: $'void1_3', type: conv2d}\n  - {type: void1, repeat: 3, from: relu_1}\n",
        # a named container; then a layer reads one of its repetitions
        "  - {type: void1, repeat: 3, name: blk, from: input}\n  - {type: relu, from: blk.2}\n",
        # the second repetition reads one input, the last, where the block takes two
        "  - {type: pair, repeat: 3, from: [relu_1, input]}\n",
        # an argument reads i: the third fails
        "  - {type: void1, repeat: 4, planes: '$[0, 1][i]'}\n",
        # an input that failed: the inline block names nothing, and void1_2 is unknown
        "  - {type: nosuch}\n  - {type: wrap, repeat: 3}\n  - {type: relu, from: void1_2}\n",
        "  - {layers: [{type: void1, repeat: 2}], repeat: 3}\n  - {type: relu, from: group_2.1}\n",
        # names inside: each repetition is expanded
        "  - {type: named, repeat: 3}\n  - {type: relu, from: named_3.x}\n",
    ],
)
def test_walked_repetitions_match_expanded_ones(
    monkeypatch: pytest.MonkeyPatch, layers: str
) -> None:
    text = HEAD + (
        "layers:\n  - {type: relu}\n" + layers + "blocks:\n"
        "  void0: {layers: [{type: relu, if: $False}]}\n"
        "  void1: {args: {planes: 0}, layers: [{type: void0, repeat: 2}]}\n"
        "  pair: {inputs: [a, b], layers: [{type: void0, repeat: 2}]}\n"
        "  wrap: {inline: true, layers: [{type: void1}]}\n"
        "  named: {layers: [{type: void0, name: x}]}\n"
    )
    both(monkeypatch, text)


def test_the_work_limit_stops_at_the_same_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every limit from 1 to past the whole expansion: walked repetitions count the entries
    (groups, left out, repeat: 0, inline or not) that expanding them visits."""
    text = HEAD + (
        "layers:\n  - {type: relu}\n"
        "  - {repeat: 4, layers: [{type: relu, if: false}, {type: void1, repeat: 0}, {type: wrap}]}"
        "\n"
        "  - {type: void1, repeat: 3}\n"
        "blocks:\n"
        "  void0: {layers: [{type: relu, if: false}, {layers: [{type: relu}], repeat: 0}]}\n"
        "  void1: {layers: [{type: void0, repeat: 2}, {layers: [{type: void0}]}]}\n"
        "  wrap: {inline: true, layers: [{type: void1}, {type: void0, repeat: 2}]}\n"
    )
    stops = set()
    for limit in range(1, 100):
        monkeypatch.setattr(blocks, "MAX_WORK", limit)
        result, walked, made = both(monkeypatch, text)
        stops.add(result[1][0][3] if result[0] == "problems" else "")
    assert walked < made and "" in stops and len(stops) > 20


def test_an_if_that_reads_i_is_walked_where_its_repetitions_agree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`$i < 0` leaves the relu out in every repetition: one unit, walked after the first."""
    text = HEAD + (
        "layers:\n  - {type: relu}\n  - {type: void1, repeat: 5}\n"
        "blocks:\n  void1: {layers: [{layers: [{type: relu, if: $i < 0}], repeat: 3}]}\n"
    )
    _, walked, made = both(monkeypatch, text)
    assert made == 5 and walked == 1


# a fuzz input (issue 13), one level shallower to fit MAX_WORK: 11,110 groups nested four
# deep whose relu `$i < 0` leaves out (five deep, every repetition expanded took 2.9-4.2 s)
NESTED_I = (
    "layers:\n  - {type: relu}\n  - "
    + "{repeat: 10, layers: [" * 4
    + ("{type: relu, if: $i < 0}" + "]}" * 4 + "\n")
)


def test_groups_left_out_by_i_nested_deep_are_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    made = 0
    group = blocks.Expander.group

    def counted(self: blocks.Expander, *args: Any) -> None:
        nonlocal made
        made += 1
        group(self, *args)

    monkeypatch.setattr(blocks.Expander, "group", counted)
    nodes, _, scopes, _ = outcome(HEAD + NESTED_I)
    assert [n for n, _ in nodes] == ["relu_1"]
    assert len(scopes) == 11_110 and dict(scopes)["group_1.9.9.9"] == "group"
    assert made < 60


@pytest.mark.parametrize(
    "body",
    [
        # the third repetition expands a group the others leave out
        "{layers: [{layers: [{type: relu, if: false}], if: $i == 2}], repeat: 5}",
        # ... which has a key a group does not take: reported as expanding it does
        "{layers: [{layers: [{type: relu, if: false}], bogus: 1, if: $i == 2}], repeat: 5}",
        # ... or a relu: a layer, from the third repetition on
        "{layers: [{type: relu, if: $i >= 2}], repeat: 5}",
        # repeats that read i: 0, 1, 2, … empty groups
        "{layers: [{layers: [{type: relu, if: false}], repeat: $i}], repeat: 4}",
        # i read one level up, through a group that does not repeat
        "{layers: [{layers: [{type: relu, if: $i % 2 == 1}]}], repeat: 4}",
        # an if: that fails for one i only
        "{layers: [{type: relu, if: '$[false, false, 1][i]'}], repeat: 4}",
    ],
)
def test_repetitions_that_differ_by_i_match_expanded_ones(
    monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    text = HEAD + f"layers:\n  - {{type: relu}}\n  - {body}\n  - {{type: relu, from: group_4}}\n"
    both(monkeypatch, text)


def _spec(rng: random.Random) -> str:
    """A spec with empty blocks or groups (mutate.empty_blocks), smaller repeats, and names,
    from: and outputs that meet the scopes they make."""
    data: dict[str, Any] = {"name": "t", "input": {"channels": 3, "height": 8, "width": 8}}
    data["layers"] = [{"type": "relu"}]
    if rng.randrange(4) == 0:  # a broken name, or one the automatic names must avoid
        name = pick(rng, ["$'void1_1.0'", "$'void2_1'", "$'group_1.0'", "$'void4_1'"])
        data["layers"] += [
            {"name": name, "type": pick(rng, ["chunk", "nosuch"]), "chunks": 2},
            {"type": "relu", "from": "input"},
        ]
    empty_blocks(rng, data)

    def smaller(v: Any) -> None:
        if isinstance(v, dict):
            if "repeat" in v and rng.randrange(4):
                v["repeat"] = pick(rng, [0, 1, 2, 3, 7])
            if v.get("if") in (0, "$i < 0") and rng.randrange(4):
                v["if"] = pick(rng, [False, "$1 == 2", True, "$i == 1", "$i % 2 == 0"])
            for x in v.values():
                smaller(x)
        elif isinstance(v, list):
            for x in v:
                smaller(x)

    smaller(data)
    last = data["layers"][-1]
    if rng.randrange(4) == 0:
        last["name"] = pick(rng, ["blk", "$'n' + str(i)"])
    if rng.randrange(4) == 0:
        last["from"] = pick(rng, ["relu_1", ["relu_1", "input"], "nope"])
    if rng.randrange(3) == 0:
        ref = pick(rng, ["void1_1", "void2_3.1", "void4_1", "group_1", "group_2.0", "blk.1"])
        data["layers"].append({"type": "relu", "from": ref})
    if rng.randrange(5) == 0:
        data["outputs"] = [pick(rng, ["relu_1", "void4_1", "void1_2", "group_1"])]
    return yaml.safe_dump(data, sort_keys=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=False))
def test_random_empty_blocks_load_the_same_walked_or_not(rng: random.Random) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(blocks, "MAX_WORK", 3_000)  # the limit is met too, and soon
        both(mp, _spec(rng))
