"""The one place where spec text (network and layer names, the spec's file name) becomes text
in a generated file. Every generator writes such text through one of these functions, chosen
by where it lands; nothing from a spec reaches a generated file any other way.

The rule: printable ASCII stays as it is; anything else (control characters, line breaks,
U+2028, bidi controls, any non-ASCII character) and the few ASCII sequences that mean
something where the text lands are written as escapes, never as themselves:

- `comment`: C/C++ comments (`//` and `/* */`), and any one-line prose (Makefile, README).
  `\\` becomes `\\x5c` (so no line ends in a backslash: no line splice), the second `?` of
  `??` becomes `\\x3f` (no trigraph such as `??/`), `*/` cannot form, and other characters
  read as `\\xNN`, `\\uNNNN` or `\\UNNNNNNNN` (Python's notation). One line out, always.
- `markdown`, `markdown_code`: a comment, then what Markdown would read as markup escaped.
- `c_string`: a C/C++ string literal holding the text's UTF-8 bytes exactly.
- `py_string`, `py_docstring`: a Python literal (or a docstring's inside) whose value is the
  text exactly, in ASCII; `\"\"\"` and a final backslash cannot end a docstring early.
- `module_name`, `prefix_problem`: identifiers that name generated files and C symbols.
  Identifiers inside generated Python come from `names.Namespace`.
- `is_file_name`: what a generated file may be called (one path component).

Ordinary names (letters, digits, `-`, `_`, `.`, spaces) come out unchanged.
"""

from __future__ import annotations

import re
import sys

from cnncalc.codegen.names import PYTHON_NAMES

_PRINTABLE = frozenset(chr(c) for c in range(0x20, 0x7F))


def _code(ch: str) -> str:
    """A character as Python writes it in an escape: \\xNN, \\uNNNN, \\UNNNNNNNN."""
    n = ord(ch)
    if n < 0x100:
        return f"\\x{n:02x}"
    if n < 0x10000:
        return f"\\u{n:04x}"
    return f"\\U{n:08x}"


def comment(text: str) -> str:
    """Text for inside a C/C++ comment, `//` or `/* */`, or any line of prose: one line of
    printable ASCII with no backslash but those of escapes, no `??`, no `*/`, no `/` first
    and no `*` last (so no `*/` forms with what is written around it)."""
    out: list[str] = []
    last = len(text) - 1
    for k, ch in enumerate(text):
        prev = out[-1][-1:] if out else ""
        if (
            ch not in _PRINTABLE
            or ch == "\\"
            or (ch == "?" and prev == "?")
            or (ch == "/" and (prev == "*" or k == 0))
            or (ch == "*" and k == last)
        ):
            out.append(_code(ch))
        else:
            out.append(ch)
    return "".join(out)


# what CommonMark reads as markup inside a line: code spans, emphasis, links, HTML, entities
_MARKDOWN = re.compile(r"([`*_\[\]<>&#|!~])")


def markdown(text: str) -> str:
    """Text for a line of Markdown: a comment, each markup character escaped."""
    return _MARKDOWN.sub(r"\\\1", comment(text))


def markdown_code(text: str) -> str:
    """Text for inside a Markdown code span (`...`): a comment without backticks."""
    return comment(text).replace("`", _code("`"))


def c_string(text: str) -> str:
    """A C/C++ string literal whose bytes are the text's UTF-8: printable ASCII as itself but
    `\\`, `"` and `?`; every other byte as a three-digit octal escape (never followed by a
    digit that could extend it). Lone surrogates are written as their (CESU) bytes."""
    out = ['"']
    for byte in text.encode("utf-8", "surrogatepass"):
        ch = chr(byte)
        if ch in _PRINTABLE and ch not in '\\"?':
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    out.append('"')
    return "".join(out)


def _py_inside(text: str) -> str:
    out: list[str] = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch in _PRINTABLE:
            out.append(ch)
        else:
            out.append(_code(ch))
    return "".join(out)


def py_string(text: str) -> str:
    """A double-quoted Python string literal, ASCII only, whose value is the text."""
    return f'"{_py_inside(text)}"'


def py_docstring(text: str) -> str:
    """The text for inside a Python docstring (\"\"\"...\"\"\"), whose value is the text: no
    quote, backslash or line break of its own reaches the source."""
    return _py_inside(text)


# ---- names of generated files and symbols ---------------------------------------------------
_NOT_C = re.compile(r"[^A-Za-z0-9_]+")
MODULE_LIMIT = 40  # characters of a generated module's name
# Modules a generated Python loader must not shadow when its folder is on sys.path: Python's
# standard library (also the modules removed in 3.12 and 3.13, so that the name does not
# depend on the Python that generates it), what the loader imports, and the C headers the
# generated source includes.
_REMOVED_STDLIB = """aifc asynchat asyncore audioop cgi cgitb chunk crypt distutils imghdr imp
    lib2to3 mailcap msilib nis nntplib ossaudiodev pipes smtpd sndhdr spwd sunau telnetlib uu
    xdrlib""".split()  # noqa: SIM905
RESERVED_MODULES = frozenset(
    {*PYTHON_NAMES, *sys.stdlib_module_names, *_REMOVED_STDLIB}
    | {"torch", "numpy", "cuda", "cuda_runtime", "stddef", "vector"}
)


def c_identifier(text: str, limit: int = MODULE_LIMIT) -> str:
    """A C identifier fragment from any text: 'layer1.0.conv1' -> 'layer1_0_conv1'."""
    out = _NOT_C.sub("_", text).strip("_")[:limit] or "x"
    return out if not out[0].isdigit() else "_" + out


def module_name(text: str) -> str:
    """The name of a generated module (its files, its Python module, its C symbols' prefix)
    from a network's name: a lower-case C identifier, `_net` added to one that is a Python
    keyword or builtin or would shadow a module the loader or its caller imports."""
    name = c_identifier(text).lower()
    while name in RESERVED_MODULES:
        name += "_net"
    return name


def prefix_problem(prefix: str) -> str | None:
    """Why a prefix given by the user cannot name a generated module; None if it can."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", prefix):
        return "give an ASCII identifier: letters, digits and '_', not a digit first"
    if prefix in RESERVED_MODULES:
        return f"the Python loader {prefix}.py would be a keyword or shadow a module of that name"
    return None


def is_file_name(name: str) -> bool:
    """Whether a generated file's name is one plain path component."""
    return (
        0 < len(name.encode("utf-8", "surrogatepass")) <= 255
        and all(ch in _PRINTABLE for ch in name)
        and not any(ch in name for ch in '/\\:*?"<>|')
        and name not in (".", "..")
        and not name.startswith(("-", "."))
    )
