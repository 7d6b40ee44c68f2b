"""A wrong spec gets one located message per problem — file:line:column of the offending key or
value, the layer's name, what is wrong and a hint — exit code 1, and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from core_util import cli, position

TOP = "name: x\ninput: {channels: 1, height: 8, width: 8}\n"
HEAD = "name: broken\ninput: {channels: 6, height: 8, width: 8}\nlayers:\n"

# (layer line(s), text the position must point at, code, words the message has, words the hint has)
CASES = {
    "kernel larger than padded input": (
        "  - {name: big, type: conv2d, out_channels: 4, kernel_size: 11, padding: 1}\n",
        "kernel_size",
        "E100",
        ["kernel extent 11", "padded input H = 10"],
        ["smaller kernel"],
    ),
    "output size below 1": (
        "  - {name: up, type: convtranspose2d, out_channels: 2, kernel_size: 1, padding: 4}\n",
        "padding",
        "E101",
        ["output H comes to 0, below 1"],
        ["less padding"],
    ),
    "channel count mismatch": (
        "  - {name: c1, type: conv2d, in_channels: 3, out_channels: 4, kernel_size: 3}\n",
        "in_channels",
        "E102",
        ["in_channels is 3 but the input has 6"],
        ["in_channels: 6"],
    ),
    "connection table names a missing map": (
        "  - {name: C3, type: conv2d, out_channels: 2, kernel_size: 3,"
        " connection_table: [[0, 1], [5, 6]]}\n",
        "connection_table",
        "E103",
        ["map(s) [6]", "maps 0..5"],
        ["numbered from 0"],
    ),
    "groups do not divide channels": (
        "  - {name: g, type: conv2d, out_channels: 4, kernel_size: 3, groups: 4}\n",
        "groups",
        "E102",
        ["input channels (6) is not divisible by groups (4)"],
        ["groups must divide"],
    ),
    "zero size": (
        "  - {name: z, type: conv2d, out_channels: 0, kernel_size: 3}\n",
        "0,",
        "E002",
        ["out_channels", "positive integer", "0"],
        [],
    ),
    "negative size": (
        "  - {name: n, type: maxpool2d, kernel_size: -2}\n",
        "-2",
        "E002",
        ["kernel_size", "positive integer", "-2"],
        [],
    ),
    "wrong type: string for an int": (
        "  - {name: s, type: conv2d, out_channels: 4, kernel_size: 3x3}\n",
        "3x3",
        "E002",
        ["kernel_size", "'3x3'", "a string"],
        [],
    ),
    "wrong type: float for an int": (
        "  - {name: f, type: conv2d, out_channels: 4, kernel_size: 3, stride: 1.5}\n",
        "1.5",
        "E002",
        ["stride", "1.5", "a float"],
        [],
    ),
    "unknown key": (
        "  - {name: k, type: conv2d, out_channels: 4, kernel_sise: 3, kernel_size: 3}\n",
        "kernel_sise",
        "E002",
        ["unknown key 'kernel_sise'"],
        ["did you mean 'kernel_size'?"],
    ),
    "misspelt type": (
        "  - {name: t, type: conv2f, out_channels: 4, kernel_size: 3}\n",
        "conv2f",
        "E003",
        ["unknown layer type 'conv2f'"],
        ["did you mean 'conv2d'"],
    ),
    "empty from": (
        "  - {name: e, type: relu, from: []}\n",
        "from",
        "E105",
        ["from: is empty"],
        ["leave from: out"],
    ),
    "misspelt activation": (
        "  - {name: a, type: conv2d, out_channels: 4, kernel_size: 3, activation: rleu}\n",
        "rleu",
        "E002",
        ["unknown activation 'rleu'", "did you mean 'relu'"],
        [],
    ),
}


def layer_name(text: str) -> str:
    return text.split("name: ", 1)[1].split(",", 1)[0]


@pytest.mark.parametrize("case", list(CASES))
def test_located_message(case: str, tmp_path: Path) -> None:
    body, needle, code, words, hints = CASES[case]
    text = HEAD + body
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    res = cli("params", path)
    assert res.exit_code == 1
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr  # one problem, one message
    line, col = position(text, needle)
    msg = lines[0]
    assert msg.startswith(f"{path}:{line}:{col}: {code} layer '{layer_name(body)}': "), msg
    for w in words:
        assert w in msg, msg
    for h in hints:
        assert "(hint: " in msg and h in msg.split("(hint: ", 1)[1], msg
    assert "Traceback" not in res.stderr


def test_empty_from_is_an_error_at_the_top_level_and_in_a_block(tmp_path: Path) -> None:
    """`from: []` does not mean "the layer above" in one place and an error in the other."""
    top = TOP + "layers:\n  - {name: a, type: relu}\n  - {name: b, type: relu, from: []}\n"
    block = (
        TOP + "blocks:\n  pair:\n    layers:\n"
        "      - {name: a, type: relu}\n      - {name: b, type: relu, from: []}\n"
        "layers:\n  - {name: p, type: pair}\n"
    )
    messages = []
    for label, text in (("top", top), ("block", block)):
        path = tmp_path / f"{label}.yaml"
        path.write_text(text, encoding="utf-8")
        res = cli("params", path)
        assert res.exit_code == 1, res.stdout
        line, col = position(text, "from: []")
        assert res.stderr.startswith(f"{path}:{line}:{col}: E105 "), res.stderr
        messages.append(res.stderr.split("from: is empty", 1)[1])
    assert messages[0] == messages[1] != ""


def test_every_problem_reported_once(tmp_path: Path) -> None:
    text = HEAD + (
        "  - {name: a, type: conv2f, out_channels: 4, kernel_size: 3}\n"
        "  - {name: b, type: conv2d, out_channels: 4, kernel_sise: 3, kernel_size: 3}\n"
        "  - {name: c, type: linear, out_features: -1}\n"
    )
    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    res = cli("params", path)
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert [ln.split(": ", 1)[0] for ln in lines] == [
        f"{path}:{n}:{c}"
        for n, c in (position(text, "conv2f"), position(text, "kernel_sise"), position(text, "-1"))
    ]
    assert [f"layer '{x}'" in ln for x, ln in zip("abc", lines, strict=True)] == [True] * 3


@pytest.mark.parametrize(
    ("text", "needle", "words"),
    [
        (
            "name: x\ninput: {channels: 1, height: 0, width: 8}\nlayers:\n  - {type: relu}\n",
            "0,",
            ["input height", "positive integer"],
        ),
        (
            "name: x\ninput: {channels: 1, hieght: 8, width: 8}\nlayers:\n  - {type: relu}\n",
            "hieght",
            ["unknown input key 'hieght'", "did you mean 'height'"],
        ),
        (
            "name: x\ninput: {channels: 1, height: 8, width: 8}\nlayer:\n  - {type: relu}\n",
            "layer:",
            ["unknown top-level key 'layer'", "did you mean 'layers'"],
        ),
        (
            TOP + "layers:\n  - {type: relu\n",
            "\n",
            ["YAML"],
        ),
    ],
)
def test_located_top_level_problems(
    text: str, needle: str, words: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "top.yaml"
    path.write_text(text, encoding="utf-8")
    res = cli("shapes", path)
    assert res.exit_code == 1
    first = res.stderr.splitlines()[0]
    if needle != "\n":  # a syntax error's position is the parser's; only its form is checked
        line, col = position(text, needle)
        assert first.startswith(f"{path}:{line}:{col}: "), first
    else:
        assert first.startswith(f"{path}:") and first.split(":")[1].isdigit(), first
    for w in words:
        assert w in first, first


@pytest.mark.parametrize(
    "text",
    [
        "",
        "- just\n- a list\n",
        "name: x\ninput: 7\nlayers: []\n",
        TOP + "layers: [1, 2]\n",
        TOP + "layers:\n  - {type: [conv2d]}\n",
        TOP + "layers:\n  - {type: conv2d, kernel_size: {a: 1}}\n",
        TOP + "layers:\n  - {type: upsample, scale_factor: [2, x]}\n",
        TOP + "layers:\n  - {type: flatten}\n  - {type: conv2d, out_channels: 2, kernel_size: 3}\n",
        TOP + "layers:\n  - !!python/object:os.system {}\n",
    ],
)
def test_garbage_gets_a_message_not_a_traceback(text: str, tmp_path: Path) -> None:
    path = tmp_path / "junk.yaml"
    path.write_text(text, encoding="utf-8")
    res = cli("params", path)
    assert res.exit_code == 1, (res.stdout, res.stderr)
    assert res.stderr.startswith(f"{path}") and "Traceback" not in res.stderr


# YAML syntax errors: PyYAML's words, located, and a hint in the spec author's terms
LAYERS = "name: x\ninput: {channels: 1, height: 8, width: 8}\nlayers:\n"
YAML_HINTS = {
    "a tab indenting a list": (
        LAYERS + "\t- {type: relu}\n",
        (4, 1),
        "YAML does not allow tabs for indentation; indent with spaces",
    ),
    "a tab indenting a key": (
        "name: x\ninput:\n\tchannels: 2\n",
        (3, 1),
        "YAML does not allow tabs for indentation; indent with spaces",
    ),
    "a tab after spaces": (
        LAYERS + "  - type: relu\n    \tname: a\n",
        (5, 5),
        "YAML does not allow tabs for indentation; indent with spaces",
    ),
    "a key indented less than its mapping's": (
        LAYERS + "  - type: conv2d\n    out_channels: 4\n   kernel_size: 3\n",
        (6, 4),
        "check the indentation of this line against the line above: this line starts at "
        "column 4, the line above at column 5; the keys of one mapping line up",
    ),
    "a key lined up with the dash of the item above": (
        LAYERS + "  - type: relu\n  name: a\n",
        (5, 3),
        "check the indentation of this line against the line above: this line starts at "
        "column 3; a key of the list item above starts at column 5, a new item ('- ') at "
        "column 3",
    ),
    "a list item out of line": (
        LAYERS + "  - type: relu\n - type: relu\n",
        (5, 2),
        "check the indentation of this line against the line above: this line starts at "
        "column 2; a key of the list item above starts at column 5",
    ),
    "a key: value line indented further than the line above": (
        LAYERS + "  - {type: relu}\n  - type: conv2d\n     out_channels: 4\n",
        (6, 18),
        "check the indentation of this line against the line above: indented further, it "
        "continues the value above; line it up with the keys of its mapping",
    ),
    "a top-level key indented": (
        "name: x\n  input: {channels: 1, height: 8, width: 8}\nlayers:\n  - {type: relu}\n",
        (2, 8),
        "check the indentation of this line against the line above: indented further",
    ),
    "an unquoted ': ' in a value": (
        "name: x: y\n",
        (1, 8),
        'a value that contains ": " must be quoted, e.g. name: "a: b"',
    ),
    "an unclosed flow mapping": (
        "name: x\ninput: {channels: 1, height: 8, width: 8\nlayers:\n  - {type: relu}\n",
        (3, 7),
        "the '{' at line 2, column 8 is not closed: add '}' or a ',' between its entries",
    ),
    "an unclosed flow mapping in a list": (
        LAYERS + "  - {type: relu\n  - {type: relu}\n",
        (5, 5),
        "the '{' at line 4, column 5 is not closed: add '}' or a ',' between its entries",
    ),
    "an unclosed flow sequence": (
        "name: x\nlayers: [{type: relu}\n",
        (3, 1),
        "the '[' at line 2, column 9 is not closed: add ']' or a ',' between its entries",
    ),
    "a stray closing bracket": (
        "name: x\nlayers: [{type: relu}]]\n",
        (2, 23),
        "this ']' closes nothing: remove it, or add the bracket it closes",
    ),
    "an unclosed quote": (
        'name: "x\ninput: {channels: 2}\n',
        (3, 1),
        'the text quoted at line 1, column 7 is never closed: add the closing "',
    ),
}


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pure-python"])
@pytest.mark.parametrize("case", list(YAML_HINTS))
def test_yaml_syntax_errors_get_a_hint(
    case: str, libyaml: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    from cnncalc.spec import yamlpos

    if not libyaml:  # PyYAML's pure-Python parser words its errors differently
        monkeypatch.setattr(yamlpos, "_Loader", yaml.SafeLoader)
        monkeypatch.setattr(yamlpos, "_C_PARSER", False)
    text, (line, col), hint = YAML_HINTS[case]
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    res = cli("params", path)
    assert res.exit_code == 1
    [msg] = res.stderr.splitlines()
    assert msg.startswith(f"{path}:{line}:{col}: E001 YAML syntax error: "), msg
    assert f"(hint: {hint}" in msg, msg


def test_a_duplicate_key_keeps_its_hint(tmp_path: Path) -> None:
    text = LAYERS + "  - {type: conv2d, out_channels: 2, kernel_size: 3, kernel_size: 5}\n"
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    [msg] = cli("params", path).stderr.splitlines()
    line, col = position(text, "kernel_size", 2)
    assert msg == (
        f"{path}:{line}:{col}: E001 duplicate key 'kernel_size' (first at line 4) "
        "(hint: each key may appear once in a mapping)"
    )


def test_a_network_with_every_layer_left_out_is_refused(tmp_path: Path) -> None:
    """Fuzz (issue 13): layers all `if: false` once gave an empty network, exit 0, and torch
    codegen wrote `-> tuple[]:`. It is the same mistake as `layers: []`: one located E002."""
    text = HEAD + "  - {name: a, type: relu, if: false}\n  - {name: b, type: relu, if: $1 == 2}\n"
    path = tmp_path / "empty.yaml"
    path.write_text(text, encoding="utf-8")
    for command in ("params", "lint"):
        res = cli(command, path)
        assert res.exit_code == 1, (command, res.stdout)
        msg = res.stderr.strip() or res.stdout.strip()
        line, col = position(text, "- {name: a")
        assert f"{path}:{line}:{col}: E002" in msg and "no layer is left" in msg, msg
        assert "Traceback" not in msg
