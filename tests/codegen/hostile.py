"""Hostile names for the code generators' injection tests: a strategy for any text (control
characters, line breaks, quotes, comment and trigraph sequences, unicode), a small network
whose layers, name and file name are replaced by such text after loading (so that the
generators are tested on their own, whatever the loader refuses), and token streams of
Python and C/C++ source with comments set aside."""

from __future__ import annotations

import dataclasses
import io
import keyword
import re
import tokenize

from hypothesis import strategies as st

from cnncalc.analysis.engine import Report
from cnncalc.api import analyze, loads
from cnncalc.spec.network import INPUT

# pieces that mean something in some generated file
ATOMS = [
    "\n#error cnncalc-injected\n", "\n#include <cstdlib>\nint pwn = std::system(\"id\");\n",
    "\\", "\\\n", "??/", "??=", "?", "*/", "/*", "//", "*", "/", "\u2028", "\u2029", "\x00",
    "\r", "\r\n", "\x0b", "\x0c", "\x1b[31m", "\u202e", '"""', "'''", '"', "'", "`", "{", "}",
    "{0}", "%s", "$x", "${x}", "<script>", "[x](http://e)", "&lt;", "#", "|", "_", "class",
    "import os", "..", "../", "\\N{BULLET}", "\\x41", "名前", "\U0001f600", " ",
]  # fmt: skip
TEXT = st.text(st.characters(codec=None, exclude_categories=("Cs",)), max_size=8)
hostile = st.lists(st.sampled_from(ATOMS) | TEXT, min_size=1, max_size=4).map("".join)
# a layer name: the loader keeps '.' (the block separator) and 'input' out of names
layer_name = hostile.filter(lambda t: t and "." not in t and t != INPUT)

SPEC = """\
name: net
input: {channels: 2, height: 4, width: 4}
layers:
  - {name: L0, type: conv2d, out_channels: 2, kernel_size: 1}
  - {name: L1, type: relu}
  - {name: L2, type: conv2d, out_channels: 2, kernel_size: 3, padding: 1, from: L0,
     activation: relu}
  - {name: L3, type: concat, from: [L1, L2]}
  - {name: L4, type: batchnorm2d}
  - {name: L5, type: add, from: [L4, L3]}
  - {name: L6, type: flatten}
  - {name: L7, type: linear, out_features: 3}
outputs: [L7, L3]
"""
LAYERS = 8


def network(names: list[str] | None = None, name: str = "net", file: str = "net.yaml") -> Report:
    """The analysed network, its layers renamed to `names` (unique, no '.', not 'input')."""
    net = loads(SPEC, "net.yaml")
    if names is not None:
        new = dict(zip([n.name for n in net.nodes], names, strict=True))
        new[INPUT] = INPUT
        net.nodes = [
            dataclasses.replace(n, name=new[n.name], inputs=tuple(new[i] for i in n.inputs))
            for n in net.nodes
        ]
        net.outputs = tuple(new[o] for o in net.outputs)
    net.name, net.file = name, file
    return analyze(net)


def py_tokens(code: str, names: bool = True, strings: bool = True) -> list[tuple[str, str]]:
    """Python's tokens, comments and non-logical line breaks left out; with names=False every
    identifier that is not a keyword reads NAME, with strings=False every string STRING."""
    out: list[tuple[str, str]] = []
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        kind = tokenize.tok_name[tok.type]
        if tok.type in (tokenize.COMMENT, tokenize.NL):
            continue
        text = tok.string
        if tok.type == tokenize.NAME and not names and not keyword.iskeyword(text):
            text = ""
        if tok.type == tokenize.STRING and not strings:
            text = ""
        out.append((kind, text))
    return out


# C's translation phases 1 and 2 as the strictest compiler reads them: trigraphs (gone from
# C++17, but C and older C++ replace them), then backslash-newline splices
TRIGRAPHS = {"??=": "#", "??/": "\\", "??'": "^", "??(": "[", "??)": "]", "??!": "|", "??<": "{",
             "??>": "}", "??-": "~"}  # fmt: skip
_C_TOKEN = re.compile(
    r"""(?P<nl>\n) | (?P<ws>[ \t\v\f]+) | (?P<line>//[^\n]*) | (?P<block>/\*.*?\*/)
    | (?P<str>(?:u8|[uUL])?"(?:[^"\\\n]|\\.)*") | (?P<chr>(?:u8|[uUL])?'(?:[^'\\\n]|\\.)*')
    | (?P<id>[A-Za-z_]\w*) | (?P<num>\.?\d(?:[eEpP][+-]|[\w.])*)
    | (?P<punct>::|->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|\#\#
                |[][(){}.,;:?~!<>=+\-*/%&|^\#])
    | (?P<other>.)""",
    re.S | re.X,
)


def c_tokens(code: str, kernel_names: bool = True) -> list[tuple[str, str]]:
    """C/C++ tokens after phases 1-2, comments left out, line breaks kept (they end
    preprocessor directives); with kernel_names=False the `kN_…` identifiers that name
    kernels after layers read `kN_`. An unterminated comment or string fails."""
    for tri, ch in TRIGRAPHS.items():
        code = code.replace(tri, ch)
    code = code.replace("\r\n", "\n").replace("\r", "\n").replace("\\\n", "")
    out: list[tuple[str, str]] = []
    for m in _C_TOKEN.finditer(code):
        kind = m.lastgroup
        assert kind is not None
        text = m.group()
        if kind in ("ws", "line", "block"):
            continue
        assert kind != "other" or text not in "\"'", f"unterminated literal: {text}"
        if kind == "id" and not kernel_names:
            text = re.sub(r"\Ak(\d+)_\w*\Z", r"k\1_", text)
        out.append((kind, text))
    return out
