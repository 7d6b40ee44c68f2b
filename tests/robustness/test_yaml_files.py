"""Bad files and hostile YAML: each gives one located message and exit 1 (2 for usage),
never a traceback, in bounded time and memory. One test per row of docs/robustness.md."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from cnncalc.api import SpecError, analyze, loads
from cnncalc.errors import UsageError
from cnncalc.spec import yamlpos
from robustness.kit import VALID, Run, cli, refused

Cli = Callable[..., Run]


def spec_file(tmp_path: Path, text: str | bytes, name: str = "spec.yaml") -> str:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return str(p)


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as err:
        analyze(loads(text, "t.yaml"))
    return [p.format() for p in err.value.problems]


# ---- YAML -------------------------------------------------------------------------------
def test_python_tags_construct_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    payloads = [
        f"!!python/object/apply:os.system ['touch {marker}']",
        f"!!python/object/new:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!!python/object:os.system {}",
        f"!!python/object/apply:subprocess.call [[touch, {marker}]]",
    ]
    for payload in payloads:
        [msg] = problems(VALID.replace("name: tiny", f"name: {payload}"))
        assert msg.startswith("t.yaml:1:7: E001 unsupported YAML tag 'tag:yaml.org,2002:python/"), (
            msg
        )
    as_layer = VALID + f"  - !!python/object/apply:os.system ['touch {marker}']\n"
    refused(
        cli("params", spec_file(tmp_path, as_layer)), 1, "spec.yaml:5:5: E001 unsupported YAML tag"
    )
    assert not marker.exists()


@pytest.mark.parametrize(
    "tagged",
    ["!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]", "!local x", "!<tag:x.org,2000:y> 1"],
)
def test_other_tags_are_refused(tagged: str) -> None:
    [msg] = problems(VALID.replace("name: tiny", f"name: {tagged}"))
    assert msg.startswith("t.yaml:1:7: E001 unsupported YAML tag"), msg


def test_explicit_standard_tags_are_checked() -> None:
    assert loads(VALID.replace("out_channels: 2", "out_channels: !!int 2"), "t.yaml")
    [msg] = problems(VALID.replace("out_channels: 2", "out_channels: !!int two"))
    assert msg.startswith("t.yaml:4:44: E001 'two' is not an integer"), msg
    [msg] = problems(VALID.replace("out_channels: 2", "out_channels: !!float _"))
    assert msg.startswith("t.yaml:4:44: E001 '_' is not a number"), msg


def test_anchors_and_aliases_work() -> None:
    text = (
        "name: t\ninput: {channels: 1, height: 8, width: 8}\n"
        "layers:\n  - &conv {type: conv2d, out_channels: 2, kernel_size: 3}\n  - *conv\n"
    )
    r = analyze(loads(text, "t.yaml"))
    assert [s.output_shape for s in r.layers] == [(2, 6, 6), (2, 4, 4)]
    assert r.totals.trainable == (9 + 1) * 2 + (2 * 9 + 1) * 2


def test_an_alias_bomb_is_refused_early(tmp_path: Path) -> None:
    # nine levels of nine aliases: 9^9 = 387,420,489 values if expanded
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        bomb += f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    run = cli("params", spec_file(tmp_path, bomb))
    refused(run, 1, "E001 the document holds more than 200,000 values", "alias *")
    assert run.seconds < 10


def test_a_recursive_alias_is_refused() -> None:
    [msg] = problems("a: &a [1, *a]\n")
    assert msg.startswith("t.yaml:1:11: E001 alias *a is inside its own anchor"), msg
    [msg] = problems("a: *nowhere\n")
    assert msg.startswith("t.yaml:1:4: E001 alias *nowhere names no anchor"), msg


def test_duplicate_keys_are_refused(cnncalc: Cli, tmp_path: Path) -> None:
    text = VALID.replace("kernel_size: 3}", "kernel_size: 3, kernel_size: 5}")
    line = refused(cnncalc("params", spec_file(tmp_path, text)), 1)
    assert line.endswith(
        "spec.yaml:4:63: E001 duplicate key 'kernel_size' (first at line 4) "
        "(hint: each key may appear once in a mapping)"
    ), line
    [msg] = problems(VALID + "name: again\n")
    assert "t.yaml:5:1: E001 duplicate key 'name' (first at line 1)" in msg


def test_merge_keys_are_refused() -> None:
    [msg] = problems("base: &b {type: relu}\nx: {<<: *b}\n")
    assert msg.startswith("t.yaml:2:5: E001 YAML merge keys ('<<') are not supported"), msg


def test_an_empty_file_is_refused(cnncalc: Cli, tmp_path: Path) -> None:
    for text in [
        "",
        "\n\n",
        "# only a comment\n",
        "---\n",
        "--- # nothing\n...\n",
        "~\n",
        "\ufeff",
    ]:
        refused(
            cnncalc("params", spec_file(tmp_path, text)), 1, "spec.yaml:1:1: E001 the file is empty"
        )


def test_binary_garbage_is_refused(cnncalc: Cli, tmp_path: Path) -> None:
    rng = __import__("random").Random(9)
    for k in range(5):
        junk = bytes(rng.randrange(256) for _ in range(4096))
        line = refused(cnncalc("params", spec_file(tmp_path, junk, f"junk{k}.yaml")), 1, "E001")
        assert "not UTF-8" in line or "NUL" in line, line
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    refused(
        cnncalc("params", spec_file(tmp_path, png)), 1, "spec.yaml:1:1: E001 the file is not UTF-8"
    )


def test_non_utf8_bytes_are_located(cnncalc: Cli, tmp_path: Path) -> None:
    latin1 = VALID.replace("tiny", "caf\u00e9").encode("latin-1")
    refused(
        cnncalc("params", spec_file(tmp_path, latin1)),
        1,
        "spec.yaml:1:10: E001 the file is not UTF-8 text (hint: save it as UTF-8)",
    )
    utf16 = VALID.encode("utf-16")
    refused(
        cnncalc("params", spec_file(tmp_path, utf16)),
        1,
        "spec.yaml:1:1: E001 the file is not UTF-8",
    )
    bom = b"\xef\xbb\xbf" + VALID.encode()  # a UTF-8 BOM is fine
    assert cnncalc("params", spec_file(tmp_path, bom)).code == 0


def test_nul_and_control_characters_are_located(cnncalc: Cli, tmp_path: Path) -> None:
    nul = VALID.replace("tiny", "ti\x00ny").encode()
    refused(
        cnncalc("params", spec_file(tmp_path, nul)),
        1,
        "spec.yaml:1:9: E001 the file contains NUL bytes",
    )
    ctrl = VALID.replace("tiny", "ti\x1bny")
    refused(
        cnncalc("params", spec_file(tmp_path, ctrl)),
        1,
        "spec.yaml:1:9: E001 YAML syntax error: control characters are not allowed",
    )
    [msg] = problems(VALID.replace("tiny", "'ti\ud800ny'"))  # in-process only: a lone surrogate
    assert msg.startswith("t.yaml:1:10: E001 the text is not valid Unicode"), msg


def test_a_directory_is_a_usage_error(cnncalc: Cli, tmp_path: Path) -> None:
    refused(cnncalc("params", str(tmp_path)), 2, "is a directory, not a spec file")


def test_a_missing_file_is_a_usage_error(cnncalc: Cli, tmp_path: Path) -> None:
    refused(cnncalc("params", str(tmp_path / "nope.yaml")), 2, "nope.yaml: no such file")
    refused(cnncalc("params", str(tmp_path / ("x" * 5000))), 2, "cannot read: File name too long")
    with pytest.raises(UsageError, match="no such file"):  # in-process callers only
        yamlpos.read_text("a\x00b.yaml")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_a_usage_error(cnncalc: Cli, tmp_path: Path) -> None:
    p = Path(spec_file(tmp_path, VALID))
    p.chmod(0)
    refused(cnncalc("params", str(p)), 2, "cannot read: Permission denied")


def test_a_50mb_file_is_refused_unread(tmp_path: Path) -> None:
    p = tmp_path / "big.yaml"
    with p.open("wb") as f:  # 50 MB of plausible YAML
        f.write(b"layers:\n")
        f.write(b"  - {type: relu}\n" * (50 * 1024 * 1024 // 17))
    run = cli("params", str(p))
    refused(run, 1, "big.yaml:1:1: E001 the file is larger than the 16,777,216 bytes allowed")
    assert run.seconds < 10


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_an_endless_stream_is_cut_at_the_limit() -> None:
    run = cli("params", "/dev/zero")
    refused(run, 1, "/dev/zero:1:1: E001 the file is larger than the 16,777,216 bytes allowed")


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("flow", "[" * 10_000 + "]" * 10_000, "1:102"),
        ("flow mappings", "{a: " * 10_000 + "}" * 10_000, "1:405"),
        # 5,000 levels of block indentation take 12.5 MB; 10,000 would take 50 MB (refused
        # as too large: test_a_50mb_file_is_refused_unread), so "compact" goes to 10,000
        ("block", "".join(" " * i + "- \n" for i in range(5_000)), "102:102"),
        ("block mappings", "".join(" " * i + "a:\n" for i in range(5_000)), "102:102"),
        ("compact", "- " * 10_000 + "x\n", "1:203"),
        ("a million brackets", "[" * 1_000_000, "1:102"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else "",
)
def test_deep_nesting_is_refused_early(tmp_path: Path, name: str, text: str, where: str) -> None:
    # libyaml's own composer recurses in C (a segfault near 100,000 levels) and its scanner
    # slows quadratically with flow depth; yamlpos stops at level 101 of the event stream
    run = cli("params", spec_file(tmp_path, text))
    refused(run, 1, f"spec.yaml:{where}: E001 nesting deeper than 100 levels")
    assert run.seconds < 10


def test_a_huge_document_is_refused_at_the_value_limit(tmp_path: Path) -> None:
    text = "layers: [" + "1," * 1_000_000 + "]\n"  # 2 MB, a million values
    run = cli("params", spec_file(tmp_path, text))
    refused(run, 1, "E001 the document holds more than 200,000 values")
    assert run.seconds < 15


def test_a_huge_integer_literal_is_refused() -> None:
    for literal in ["9" * 101, "0x" + "f" * 101, "1" + ":0" * 100]:
        [msg] = problems(VALID.replace("out_channels: 2", f"out_channels: {literal}"))
        assert msg.startswith("t.yaml:4:44: E001 an integer of"), msg
        assert "digits (at most 100)" in msg


def test_several_documents_are_refused() -> None:
    [msg] = problems(VALID + "---\n" + VALID)
    assert msg.startswith("t.yaml:5:1: E001 more than one YAML document"), msg


def test_syntax_errors_are_located(cnncalc: Cli, tmp_path: Path) -> None:
    cases = {
        "a:\n\tb: 1\n": "spec.yaml:2:1: E001 YAML syntax error: found character that cannot start",
        "a: [1, 2\n": "spec.yaml:2:1: E001 YAML syntax error",
        "a: 'open\n": "spec.yaml:2:1: E001 YAML syntax error",
        "? [a]\n: 1\n": "spec.yaml:1:3: E001 mapping keys must be plain scalars",
        "*x : 1\n": "E001",
    }
    for text, expected in cases.items():
        refused(cnncalc("params", spec_file(tmp_path, text)), 1, expected)


def test_a_spec_that_is_not_a_mapping_is_refused() -> None:
    for text in ["- a\n- b\n", "42\n", "'just text'\n", "[]\n", "{}\n"]:
        msgs = problems(text)
        assert msgs and all(m.startswith("t.yaml:1:1: E") for m in msgs), msgs


def test_without_libyaml_the_answers_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    bomb = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]\n"
        for i in range(1, 9)
    )
    texts = [
        VALID,
        (Path(__file__).resolve().parents[2] / "specs" / "resnet18.yaml").read_text(),
        VALID.replace("name: tiny", "name: !!python/object/apply:os.system ['true']"),
        bomb,
        "[" * 10_000,
        "a: &a [1, *a]\n",
        VALID + "name: again\n",
        "",
        VALID + "---\n" + VALID,
        "x: {<<: {a: 1}}\n",
        "a: " + "9" * 101 + "\n",
    ]

    def answers() -> list[object]:
        out: list[object] = []
        for text in texts:
            try:
                doc = yamlpos.parse_text(text, "t.yaml")
                out.append((doc.data, doc.values, doc.keys))
            except SpecError as err:
                out.append([p.format() for p in err.problems])
        return out

    with_libyaml = answers()
    monkeypatch.setattr(yamlpos, "_Loader", yaml.SafeLoader)
    monkeypatch.setattr(yamlpos, "_C_PARSER", False)
    assert answers() == with_libyaml
    [msg] = problems(VALID.replace("tiny", "ti\x1bny"))  # PyYAML's own words, same place
    assert msg.startswith("t.yaml:1:9: E001 YAML syntax error: special characters are not allowed")
