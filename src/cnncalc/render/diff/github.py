"""`cnncalc diff --format github`: GitHub Actions workflow commands. Each layer added or
changed is a notice on its line of the new spec (when the new side is a file), a removed one
a notice on the file; the totals are one notice, a broken budget an error."""

from __future__ import annotations

from cnncalc.analysis.diff import Diff
from cnncalc.analysis.diff_budget import Verdict
from cnncalc.errors import printable
from cnncalc.lint.formats.github import _data, _prop
from cnncalc.render.diff.phrases import details, layer_type, summary, total_line


def _line(level: str, props: list[str], message: str) -> str:
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{_data(printable(message))}"


def render(diff: Diff, verdicts: list[Verdict]) -> str:
    file = [f"file={_prop(printable(diff.new_file))}"] if diff.new_file else []
    lines: list[str] = []
    for r in diff.layers:
        if r.status == "unchanged":
            continue
        props = list(file)
        if file and r.new is not None:
            pos = r.new.node.where()
            props += [f"line={pos.line}", f"col={pos.col}"] if pos.line else []
        props.append(f"title={_prop(f'cnncalc diff: layer {r.status}')}")
        what = "; ".join(details(r))
        lines.append(_line("notice", props, f"layer '{r.name}' ({layer_type(r)}): {what}"))
    totals = "; ".join(total_line(f) for f in diff.totals)
    lines.append(_line("notice", [*file, "title=cnncalc diff"], f"{summary(diff)}; {totals}"))
    for v in verdicts:
        if v.broken:
            props = [*file, f"title={_prop('cnncalc diff: budget broken')}"]
            lines.append(_line("error", props, v.message))
    return "".join(line + "\n" for line in lines)
