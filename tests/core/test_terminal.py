"""What a terminal shows: every figure whole at any width, names as written (no rich markup,
no hyperlinks), pure ASCII under --ascii, any stdout encoding, and CSV a spreadsheet cannot
run. The table runs under a pseudo-terminal whose size is set as a terminal's is."""

from __future__ import annotations

import csv
import fcntl
import io
import itertools
import json
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from core_util import LENET, cli
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from cnncalc.api import analyze, loads
from cnncalc.render.layout import overhead, plan
from cnncalc.render.table import print_table
from cnncalc.render.values import PARAM_COLUMNS, shape_text, text
from cnncalc.sym import Dim, parse

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07\x1b]*(\x07|\x1b\\))")


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The console script in a subprocess, off a terminal."""
    return subprocess.run(
        [sys.executable, "-c", "from cnncalc.cli.fast import entry; entry()", *map(str, args)],
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        stdin=subprocess.DEVNULL,
        encoding="utf-8",
        errors="strict",
    )


def on_terminal(
    args: list[str], columns: int, env: dict[str, str] | None = None, raw: bool = False
) -> str:
    """`cnncalc ARGS` on a pseudo-terminal `columns` wide (TIOCSWINSZ, COLUMNS unset); its
    styles stripped unless `raw`."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cnncalc.cli.fast import entry; entry()", *args],
        stdout=slave,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env={**base, "TERM": "xterm-256color", **(env or {})},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 1 << 16)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    text = b"".join(chunks).decode("utf-8").replace("\r", "")
    return text if raw else ANSI.sub("", text)


def tables(out: str) -> tuple[list[dict[str, str]], str]:
    """Each table's columns, header text -> its body cells (footer included) joined by spaces,
    and the text after the last table."""
    lines = out.split("\n")
    found: list[dict[str, str]] = []
    i, after = 0, 0
    while i < len(lines):
        if not lines[i].startswith("┏"):
            i += 1
            continue
        cuts = [k for k, ch in enumerate(lines[i]) if ch in "┏┳┓"]
        heads: list[list[str]] = [[] for _ in cuts[1:]]
        body: list[list[str]] = [[] for _ in cuts[1:]]
        i += 1
        while not lines[i].startswith("└"):
            part = {"┃": heads, "│": body}.get(lines[i][:1])
            for j, (a, b) in enumerate(itertools.pairwise(cuts)):
                cell = lines[i][a + 1 : b].strip()
                if part is not None and cell:
                    part[j].append(cell)
            i += 1
        found.append({" ".join(h): " ".join(b) for h, b in zip(heads, body, strict=True)})
        i += 1
        after = i
    return found, "\n".join(lines[after:])


def shown(v: int | str) -> str:
    """A JSON figure as the table writes it."""
    d: Dim = v if isinstance(v, int) else parse(v)
    return text(d)


def whole(figure: str, where: str) -> bool:
    """figure appears in where, not as a part of a longer word."""
    return re.search(rf"(^|\s){re.escape(figure)}(\s|$)", where) is not None


RUNS = {
    "lenet5": [str(LENET)],
    "resnet50": [str(ROOT / "specs" / "resnet50.yaml")],
    "resnet50 3xHxW": [str(ROOT / "specs" / "resnet50.yaml"), "-i", "3xHxW"],
}


@pytest.mark.parametrize("columns", [60, 80, 100, 120])
@pytest.mark.parametrize("name", list(RUNS))
def test_no_figure_is_cut_on_a_terminal(name: str, columns: int) -> None:
    """Every figure of the JSON output is whole in the table a `columns`-wide terminal shows
    (before: `25,557,…`, `4,124,358,6…` at 80 and 100 columns)."""
    args = RUNS[name]
    data = json.loads(run("params", *args, "-f", "json").stdout)
    out = on_terminal(["params", *args], columns)
    assert "…" not in out.replace("(N×…)", "")
    assert all(len(line) <= columns for line in out.splitlines())
    found, after = tables(out)
    assert found
    merged: dict[str, str] = {}
    for t in found:  # a narrow terminal splits the columns over several tables
        for head, cells in t.items():
            merged[head] = merged.get(head, "") + " " + cells if head in merged else cells
    want = {
        "Output (N×…)": "output_shape",
        "Params": "params",
        "Trainable": "trainable_params",
        "Connections": "connections",
        "MACs": "macs",
    }
    for head, key in want.items():
        column = merged[head]
        for d in [*data["layers"], data["totals"]]:
            if key == "output_shape":
                figure = shape_text(tuple(parse(str(v)) for v in d[key]), False) if key in d else ""
            else:
                figure = shown(d[key])
            if figure:
                assert whole(figure, column), (head, figure)
    summary = " ".join(after.split())
    t = data["totals"]
    for key in ("trainable_params", "non_trainable_params", "buffers", "connections", "flops"):
        assert whole(shown(t[key]), summary), key


def test_columns_variable_sets_the_width() -> None:
    out = on_terminal(["params", str(LENET)], 120, env={"COLUMNS": "60"})
    assert max(len(line) for line in out.splitlines()) <= 60
    assert "…" not in out.replace("(N×…)", "")


MARKUP = """\
name: "[red]net[/red] [link=https://example.com]x[/link]"
input: {channels: 1, height: 16, width: 16}
layers:
  - {name: "x[/]", type: conv2d, out_channels: 2, kernel_size: 3}
  - {name: "[link=https://evil]click[/link]", type: conv2d, out_channels: 2, kernel_size: 3}
  - {name: "attn[q]", type: conv2d, out_channels: 2, kernel_size: 3}
  - {name: "[bold]b[/bold] :smile:", type: relu}
  - {name: "=cmd|' /C calc'!A0", type: flatten}
  - {name: "+1", type: relu}
  - {name: "-2", type: relu}
  - {name: "@SUM(A1)", type: relu}
  - {name: "a|b *c* _d_ `e` <f> &amp; ~g~ \\\\h", type: relu}
"""
NAMES = [
    "x[/]",
    "[link=https://evil]click[/link]",
    "attn[q]",
    "[bold]b[/bold] :smile:",
    "=cmd|' /C calc'!A0",
    "+1",
    "-2",
    "@SUM(A1)",
    "a|b *c* _d_ `e` <f> &amp; ~g~ \\h",
]
NET = "[red]net[/red] [link=https://example.com]x[/link]"


@pytest.fixture
def markup(tmp_path: Path) -> Path:
    p = tmp_path / "markup.yaml"
    p.write_text(MARKUP, encoding="utf-8")
    return p


def test_names_print_as_written(markup: Path) -> None:
    """Before: `x[/]` was an internal error, `[link=…]` a hyperlink, `attn[q]` printed `attn`."""
    for args in ([], ["--explain"], ["--ascii"]):
        res = cli("params", markup, *args)
        assert res.exit_code == 0, res.stderr
        for n in [NET, *NAMES]:
            assert n in res.stdout, (args, n)
    # rich's own path, as on a colour terminal: still the names as written, and no OSC 8 link
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="truecolor", width=300)
    report = analyze(loads(MARKUP, "markup.yaml"))
    print_table(report, PARAM_COLUMNS, console, totals=True, explain=True)
    out = buf.getvalue()
    assert "\x1b]8;" not in out
    plain = ANSI.sub("", out)
    for n in [NET, *NAMES]:
        assert n in plain, n
    # and on a real (pseudo-)terminal
    shown_ = on_terminal(["params", str(markup)], 200)
    for n in [NET, *NAMES]:
        assert n in shown_, n


def test_csv_cells_cannot_start_a_formula(markup: Path) -> None:
    """OWASP's CSV injection rule: a cell starting with = + - @ (tab, CR) gets a leading '.
    Numbers stay numbers."""
    res = cli("params", markup, "-f", "csv", "--explain")
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    by = {r["name"]: r for r in rows}
    for n in NAMES:
        safe = "'" + n if n[0] in "=+-@" else n
        assert safe in by, n
    for r in rows:
        for key, v in r.items():
            assert not v.startswith(("=", "+", "@", "\t", "\r")), (key, v)
            assert not v.startswith("-") or re.fullmatch(r"-[0-9.]+", v), (key, v)
    assert by["Total"]["params"].isdigit()
    # what the neutralizing does to numbers and formulas
    from cnncalc.render.text import csv_safe

    assert csv_safe("-1.5") == "-1.5" and csv_safe("17") == "17"
    assert csv_safe("-H + 1") == "'-H + 1" and csv_safe("\tx") == "'\tx"


def test_markdown_escapes_names(markup: Path) -> None:
    """Each row has as many cells as the header; names show as written once rendered."""
    out = cli("params", markup, "-f", "markdown", "--explain").stdout
    rows = [line for line in out.splitlines() if line.startswith("|")]
    width = len(re.split(r"(?<!\\)\|", rows[0]))
    assert all(len(re.split(r"(?<!\\)\|", r)) == width for r in rows)

    def unescape(s: str) -> str:
        return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", s)

    text_ = unescape(out)
    for n in [NET, *NAMES]:
        assert n in text_, n
    for n in NAMES:  # no markdown special reaches the page unescaped
        cell = next(r for r in rows if unescape(r).startswith(f"| {n} |"))
        assert not re.search(r"(?<!\\)[*_`<>\[\]|~&]", cell.split(" | ")[0][2:]), cell


def test_network_name_control_characters_are_refused(tmp_path: Path) -> None:
    """As layer names are: ESC, newline, U+202E (and other Cc/Cf characters), located."""
    for bad in ("\\x1b[31mred", "a\\nb", "a\\u202eb", "a\\u200bb", "a\\tb"):
        p = tmp_path / "n.yaml"
        p.write_text(
            f'# a network\nname: "{bad}"\ninput: {{channels: 1, height: 8, width: 8}}\n'
            "layers:\n  - {type: flatten}\n",
            encoding="utf-8",
        )
        res = cli("params", p)
        assert res.exit_code == 1, bad
        assert f"{p}:2:7: E002 bad network name" in res.stderr, res.stderr
        assert "\x1b" not in res.stderr and "\u202e" not in res.stderr


ASCII_RUNS = [
    ["params", str(LENET), "--explain"],
    ["params", str(ROOT / "specs" / "resnet50.yaml"), "-i", "3xHxW", "--explain", "--rf"],
    ["params", str(ROOT / "specs" / "resnet50.yaml"), "--depth", "1"],
    ["shapes", str(ROOT / "specs" / "resnet50.yaml"), "-i", "3xHxW"],
]


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_ascii_is_pure_ascii(fmt: str, markup: Path) -> None:
    """Before: box lines, —, ×, ⌊⌋ and · under --ascii."""
    for args in [*ASCII_RUNS, ["params", str(markup), "--explain"]]:
        res = cli(*args, "--ascii", "-f", fmt)
        assert res.exit_code == 0, (args, res.stderr)
        res.stdout.encode("ascii")  # raises on any other character
    for args in (["sizes", str(LENET)], ["sizes", str(ROOT / "specs" / "resnet50.yaml")]):
        for sizes_fmt in ("table", "json"):
            res = cli(*args, "--ascii", "-f", sizes_fmt)
            assert res.exit_code == 0, res.stderr
            res.stdout.encode("ascii")


def test_ascii_spells_names_it_cannot_print(tmp_path: Path) -> None:
    p = tmp_path / "u.yaml"
    p.write_text(
        "name: café\ninput: {channels: 1, height: 8, width: 8}\nlayers:\n"
        "  - {name: naïve, type: flatten}\n",
        encoding="utf-8",
    )
    table = cli("params", p, "--ascii").stdout
    assert "caf\\xe9" in table and "na\\xefve" in table
    js = json.loads(cli("params", p, "--ascii", "-f", "json").stdout)
    assert js["name"] == "café" and js["layers"][0]["name"] == "naïve"  # JSON's \u escapes


LINT_BAD = (
    "name: t\ninput: {channels: 1, height: 9, width: 9}\n"
    "layers:\n  - {type: maxpool2d, kernel_size: 2}\n"
)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_any_stdout_encoding(encoding: str, tmp_path: Path) -> None:
    """Before: PYTHONIOENCODING=ascii (or latin-1) ended params, shapes, sizes, rules, types,
    schema and lint in an internal error."""
    bad = tmp_path / "drops.yaml"  # a window that drops a row: lint's W201, with ⌊⌋ in it
    bad.write_text(LINT_BAD, encoding="utf-8")
    runs: list[tuple[list[str | Path], int]] = [
        (["params", LENET], 0),
        (["params", LENET, "--explain", "-f", "markdown"], 0),
        (["shapes", ROOT / "specs" / "resnet50.yaml", "-i", "3xHxW"], 0),
        (["sizes", LENET], 0),
        (["rules"], 0),
        (["rules", "W201"], 0),
        (["types"], 0),
        (["types", "conv2d"], 0),
        (["lint", bad, "--fail-on", "info"], 1),
        (["params", "--help"], 0),
    ]
    for args, code in runs:
        proc = subprocess.run(
            [sys.executable, "-c", "from cnncalc.cli.fast import entry; entry()", *map(str, args)],
            capture_output=True,
            env={**os.environ, "PYTHONIOENCODING": encoding},
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        err = proc.stderr.decode(encoding)
        assert proc.returncode == code, (args, err)
        assert "internal error" not in err, (args, err)
        out = proc.stdout.decode(encoding)  # what the terminal shows
        assert out.strip(), args
        if args[0] == "params" and "--help" not in args:
            assert "60,000" in out and ("floor(" in out or "MACs" in out)
    lint = subprocess.run(
        [sys.executable, "-c", "from cnncalc.cli.fast import entry; entry()", "lint", str(bad)],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": encoding},
        timeout=120,
    ).stdout.decode(encoding)
    assert "W201" in lint or "drops" in lint


def test_memory_is_labelled_mib() -> None:
    """1 MiB = 2**20 bytes, labelled so (it was labelled MB)."""
    out = cli("params", LENET).stdout
    js = json.loads(cli("params", LENET, "-f", "json").stdout)
    m = re.search(r"params\+buffers ([\d,.]+) MiB", out)
    assert m and " MB" not in out
    assert float(m.group(1)) == round(js["memory"]["param_bytes"] / 2**20, 2)


def test_a_file_name_as_network_name_is_escaped(tmp_path: Path) -> None:
    """Without `name:` the network is named after its file, which no check has seen: its
    control characters are escaped in every title, never sent to the terminal."""
    p = tmp_path / "a\x1b[2Jb\u202ec.yaml"
    p.write_text("input: {channels: 1, height: 8, width: 8}\nlayers:\n  - {type: flatten}\n")
    for fmt in ("table", "markdown"):
        out = run("params", p, "-f", fmt).stdout
        assert "\x1b" not in out and "\u202e" not in out, fmt
        if fmt == "markdown":
            out = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", out)  # as it renders
        assert "a\\x1b[2Jb\\u202ec" in out, fmt
    out = on_terminal(["params", str(p)], 100)
    assert "a\\x1b[2Jb\\u202ec" in out


@settings(max_examples=300, deadline=None)
@given(
    columns=st.lists(
        st.lists(st.text(alphabet="0123456789, ", min_size=1, max_size=30), min_size=2),
        min_size=2,
        max_size=9,
    ),
    page=st.integers(20, 200),
)
def test_layout_never_narrows_a_figure(columns: list[list[str]], page: int) -> None:
    """render/layout.py: every column once, the names leading each part; a figure column is
    never narrower than its longest word (rich then never folds or crops a figure); a part
    fits the page whenever its narrowest form does."""
    wraps = [j == 0 for j in range(len(columns))]
    parts = plan(columns, wraps, page)
    assert all(p.columns[0] == 0 for p in parts)
    assert [j for p in parts for j in p.columns[1:]] == list(range(1, len(columns)))
    if len(parts) == 1 and parts[0].widths is None:
        assert sum(max(map(len, c)) for c in columns) + overhead(len(columns)) <= page
        return
    for p in parts:
        assert p.widths is not None
        for j, w in zip(p.columns, p.widths, strict=True):
            longest = max(len(word) for c in columns[j] for word in c.split(" "))
            assert w <= max(map(len, columns[j]))
            if not wraps[j]:
                assert w >= longest
        least = [min(max(map(len, columns[0])), max(10, len(columns[0][0])))]
        least += [
            max(len(word) for c in columns[j] for word in c.split(" ")) for j in p.columns[1:]
        ]
        if len(p.columns) > 2 or sum(least) + overhead(len(p.columns)) <= page:
            assert sum(p.widths) + overhead(len(p.columns)) <= page


def test_a_long_table_on_a_terminal_is_drawn_plain(tmp_path: Path) -> None:
    """Past RICH_ROWS layers, a terminal gets the plain drawer's table (rich took ~0.8 ms a
    row: seconds for thousands of layers): the same text rich prints, unstyled, within the
    terminal's width. A shorter table keeps rich's styles."""
    from cnncalc.api import load
    from cnncalc.cli.report import RICH_ROWS
    from cnncalc.render.boxtable import draw
    from cnncalc.render.values import PARAM_COLUMNS

    body = "  - {type: conv2d, out_channels: 4, kernel_size: 3, padding: 1}\n  - {type: relu}\n"
    spec = tmp_path / "long.yaml"
    spec.write_text(
        "name: long\ninput: {channels: 4, height: 8, width: 8}\nlayers:\n"
        + body * (RICH_ROWS // 2 + 1)
    )
    out = on_terminal(["params", str(spec)], 120, raw=True)
    assert "\x1b[" not in out
    assert out == draw(analyze(load(spec)), PARAM_COLUMNS, totals=True, page=120)
    assert all(len(line) <= 120 for line in out.splitlines())
    assert "\x1b[" in on_terminal(["params", str(LENET)], 120, raw=True)  # styled by rich
