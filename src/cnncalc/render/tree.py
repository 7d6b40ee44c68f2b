"""`cnncalc params --tree`: the nested view torchinfo users know, data in, text out. Each
row: tree prefix, name (type: depth-idx), output shape, parameters, MACs; blocks carry the
subtotals of what they hold. The text fits 80 columns (long names are cut with …)."""

from __future__ import annotations

import json
from typing import Any

from cnncalc.analysis.tree import TreeNode, walk
from cnncalc.errors import printable
from cnncalc.render.flops import si
from cnncalc.render.text import md_escape
from cnncalc.render.values import shape_text, shape_value, text, to_ascii, value
from cnncalc.sym import Dim

WIDTH = 80
HEADERS = ("Layer (type: depth-idx)", "Output", "Params", "MACs")


ASCII_TREE = str.maketrans({"├": "|", "└": "`", "│": "|", "─": "-"})  # --ascii: |- `-


def label(prefix: str, n: TreeNode) -> str:
    if n.depth == 0:
        return printable(n.name)
    return f"{prefix}{printable(n.name)} ({printable(n.type)}: {n.depth}-{n.index})"


def _num(d: Dim, units: str, plain: bool = False) -> str:
    if isinstance(d, int):
        return si(d) if units == "si" else str(d) if plain else f"{d:,}"
    return text(d)


def rows(root: TreeNode, depth: int | None, units: str) -> list[list[str]]:
    return [
        [label(p, n), shape_text(n.output_shape), _num(n.params, units), _num(n.macs, units)]
        for p, n in walk(root, depth)
    ]


def table(root: TreeNode, depth: int | None, units: str, ascii: bool = False) -> str:
    body = rows(root, depth, units)
    if ascii:
        body = [[to_ascii(r[0].translate(ASCII_TREE)), *(to_ascii(c) for c in r[1:])] for r in body]
    nums = [max(len(r[i]) for r in [list(HEADERS), *body]) for i in (1, 2, 3)]
    room = WIDTH - sum(nums) - 6  # two spaces before each figure column
    first = min(max(len(r[0]) for r in [list(HEADERS), *body]), room)

    def cut(s: str) -> str:
        return s if len(s) <= first else s[: first - 1] + "…"

    def line(r: list[str]) -> str:
        figures = "".join("  " + c.rjust(w) for c, w in zip(r[1:], nums, strict=True))
        return cut(r[0]).ljust(first) + figures

    rule = "=" * len(line(list(HEADERS)))
    return "\n".join([rule, line(list(HEADERS)), rule, *(line(r) for r in body), rule])


def csv(root: TreeNode, depth: int | None, units: str) -> str:
    import csv as csvlib
    import io

    buf = io.StringIO()
    w = csvlib.writer(buf, lineterminator="\n")
    w.writerow(["path", "name", "type", "depth", "index", "output", "params", "macs", "block"])
    for _, n in walk(root, depth):
        w.writerow(
            [n.path, n.name, n.type, n.depth, n.index, shape_text(n.output_shape, ascii=True),
             _num(n.params, units, True), _num(n.macs, units, True), int(n.block)]
        )  # fmt: skip
    return buf.getvalue()


def markdown(root: TreeNode, depth: int | None, units: str) -> str:
    out = ["| " + " | ".join(HEADERS) + " |", "|---|---:|---:|---:|"]
    for r in rows(root, depth, units):
        out.append("| " + " | ".join(md_escape(c) for c in r) + " |")
    return "\n".join(out) + "\n"


def data(n: TreeNode, depth: int | None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "name": n.name,
        "path": n.path,
        "type": n.type,
        "depth": n.depth,
        "index": n.index,
        "output_shape": shape_value(n.output_shape),
        "params": value(n.params),
        "macs": value(n.macs),
    }
    if n.children and (depth is None or n.depth < depth):
        d["children"] = [data(c, depth) for c in n.children]
    return d


def as_json(root: TreeNode, depth: int | None) -> str:
    return json.dumps(data(root, depth), indent=2, ensure_ascii=False)
