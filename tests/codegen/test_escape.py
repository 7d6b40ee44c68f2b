"""codegen/escape.py, the one sanitizer for spec text in generated files: for any text, each
function's output is harmless where it lands (one line, printable ASCII, no sequence that
means something there) and still says what the text was (it decodes back)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cnncalc.codegen import escape
from tests.codegen.hostile import ATOMS, c_tokens, hostile

ANY = hostile | st.text()
ORDINARY = ["LeNet-5", "ResNet-18", "ShuffleNet-V2-1.0", "U-Net", "lenet5.yaml", "conv 1", "a_b"]
_ESCAPE = re.compile(r"\\(?:x([0-9a-f]{2})|u([0-9a-f]{4})|U([0-9a-f]{8}))")


def _decode(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(m.lastindex or 1), 16)), text)


@given(ANY)
@example("a\\")
@example("??/")
@example("*/")
@example("/x*")
@example("???/")
@example("a\\\nb")
def test_comment_text_is_one_harmless_line_that_decodes_back(text: str) -> None:
    out = escape.comment(text)
    assert all(" " <= c <= "~" for c in out)
    assert re.fullmatch(r"(?:[^\\]|\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|\\U[0-9a-f]{8})*", out)
    assert "??" not in out and "*/" not in out
    assert not out.startswith("/") and not out.endswith("*")
    assert _decode(out) == text
    # in a // comment and in a /* */ comment, the line's code stays the code
    code = "int a;\n// {}\nint b;\n/* {} */ int c;\n"
    assert c_tokens(code.format(out, out)) == c_tokens(code.format("x", "x"))


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert escape.comment(text) == escape.markdown_code(text) == escape.py_docstring(text) == text
    assert escape.markdown(text) == text.replace("_", "\\_")


@given(ANY)
def test_python_literals_hold_the_text(text: str) -> None:
    assert ast.literal_eval(escape.py_string(text)) == text
    doc = f'"""Text {escape.py_docstring(text)}"""'
    assert ast.literal_eval(doc) == f"Text {text}"
    assert escape.py_string(text).isascii() and "\n" not in escape.py_string(text)


@given(ANY)
def test_markdown_reads_as_text(text: str) -> None:
    out = escape.markdown(text)
    assert "\n" not in out and out.isascii()
    # every markup character is escaped; escapes from `comment` read literally
    assert not re.search(r"(?<!\\)[`*_\[\]<>&#|!~]", out)
    code = escape.markdown_code(text)
    assert "`" not in code and _decode(code) == text


GCC = shutil.which("gcc")


@pytest.mark.skipif(GCC is None, reason="gcc compiles the string literals")
def test_c_strings_hold_the_bytes(tmp_path: Path) -> None:
    texts = [*ATOMS, "".join(ATOMS), "\x00\x01\x7f", "0\\0", "a\u0300", "\udcff"]
    body = "\n".join(
        f"  fwrite({escape.c_string(t)}, 1, sizeof {escape.c_string(t)} - 1, stdout);"
        '  fputc(0xff, stdout);'
        for t in texts
    )  # fmt: skip
    src = tmp_path / "s.c"
    src.write_text(f"#include <stdio.h>\nint main(void) {{\n{body}\n  return 0;\n}}\n")
    exe = tmp_path / "s"
    cc = [str(GCC), "-std=c11", "-trigraphs", "-Wall", "-Werror", str(src), "-o", str(exe)]
    subprocess.run(cc, check=True, capture_output=True, timeout=120)
    out = subprocess.run([str(exe)], check=True, capture_output=True, timeout=60).stdout
    assert out.split(b"\xff")[:-1] == [t.encode("utf-8", "surrogatepass") for t in texts]


@settings(max_examples=200)
@given(ANY)
@example("class")
@example("..")
@example("")
def test_module_names_are_identifiers_no_module_shadows(text: str) -> None:
    name = escape.module_name(text)
    assert name.isascii() and name.isidentifier() and name not in escape.RESERVED_MODULES
    assert escape.prefix_problem(name) is None
    assert escape.is_file_name(f"{name}.py") and escape.is_file_name(f"lib{name}.so")


@pytest.mark.parametrize(
    "name", ["", ".", "..", "a/b", "a\\b", "a\nb", "-rf", ".hidden", "a:b", "x" * 256]
)
def test_file_names_that_are_not_one_plain_component(name: str) -> None:
    assert not escape.is_file_name(name)
