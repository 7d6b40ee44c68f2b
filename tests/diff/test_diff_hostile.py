"""Names from a spec reach every diff format escaped: control characters as Python writes
them, Markdown's specials backslash-escaped, Actions messages as the toolkit escapes them,
JSON exact. The networks are tests/codegen/hostile.py's, renamed after loading."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.analysis.diff import diff
from cnncalc.analysis.diff_budget import check, parse
from cnncalc.errors import printable
from cnncalc.render.diff import github, markdown, text
from cnncalc.render.diff import json as json_format
from cnncalc.render.text import md_escape
from tests.codegen.hostile import LAYERS, hostile, layer_name, network

names = st.lists(layer_name, min_size=LAYERS, max_size=LAYERS, unique=True)


def unescape_actions(s: str) -> str:
    return (
        s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )


@settings(max_examples=40)
@given(old=names, new=names, title=hostile, file=hostile)
def test_every_format_escapes_names(old: list[str], new: list[str], title: str, file: str) -> None:
    # the second half keeps the old names (matched by name), the first half is renamed; the
    # old side lacks the last layer (added), the new side the batch norm L4 (removed)
    new = [*new[:4], *old[4:]] if not set(new[:4]) & set(old[4:]) else old
    before, after = network(old, name=title, file=file), network(new, name=title, file=file + "x")
    before.layers = before.layers[:-1]
    after.layers = [s for s in after.layers if s.type != "batchnorm2d"]
    d = diff(before, after)
    assert d.count("added") == 1 and d.count("removed") == 1
    d.labels = (file, file + "x")
    d.new_file = file + "x"
    verdicts = [check(parse("params>+0%"), d), check(parse("layers<-1"), d)]
    shown = {printable(n) for n in [*old, *new]}

    out = text.render(d)
    assert all(line.isprintable() for line in out.split("\n"))
    assert printable(title) in out

    md = markdown.render(d, verdicts)
    assert all(line.isprintable() for line in md.split("\n"))
    rows = [x for x in md.splitlines() if x.startswith("|")]
    # both tables have four columns: five pipes a row that no name's '|' adds to
    assert {len(re.findall(r"(?<!\\)(?:\\\\)*\|", x)) for x in rows} == {5}
    for row in d.layers:
        if row.status != "unchanged":
            assert f"| {md_escape(printable(row.name))} |" in md
    assert not re.search(r"(?<!\\)<", md)  # no HTML

    gh = github.render(d, verdicts)
    for line in gh.splitlines():
        assert line.startswith(("::notice", "::error")) and "\r" not in line
        props, _, message = line.partition("::")[2].partition("::")
        assert "\n" not in unescape_actions(props)  # a property cannot end the command
        assert unescape_actions(message).isprintable()
    for row in d.layers:
        if row.status != "unchanged":
            assert f"layer '{printable(row.name)}'" in unescape_actions(gh)

    data = json.loads(json_format.render(d, verdicts))
    assert {r["name"] for r in data["layers"]} == {r.name for r in d.layers}
    assert data["old"]["spec"] == file and data["new"]["name"] == title
    assert shown >= {printable(r["name"]) for r in data["layers"]}
