"""The network as a tree (`cnncalc params --tree`): blocks hold their layers and inner
blocks, each node with its depth, its index among its siblings (torchinfo's depth-idx) and
the subtotals of everything inside it. No text here."""

from __future__ import annotations

from dataclasses import dataclass, field

from cnncalc.analysis.engine import Report
from cnncalc.layers.base import Shape
from cnncalc.sym import Dim


@dataclass
class TreeNode:
    name: str  # its own part of the path: conv1, layer1, 0
    path: str  # the full name: layer1.0.conv1 ("" for the network)
    type: str  # the layer's type, or the block's name
    depth: int  # 0 for the network, 1 for top-level layers and blocks
    index: int  # 1-based among its siblings
    output_shape: Shape
    params: Dim = 0
    macs: Dim = 0
    children: list[TreeNode] = field(default_factory=list)

    @property
    def block(self) -> bool:
        return bool(self.children)


def tree(report: Report) -> TreeNode:
    net = report.network
    outputs = report.outputs[0] if report.outputs else ()
    root = TreeNode(report.name, "", "network", 0, 1, outputs)
    blocks: dict[str, TreeNode] = {}
    by_name = {s.name: s for s in report.layers}

    def child(parent: TreeNode, name: str, path: str, kind: str, shape: Shape) -> TreeNode:
        node = TreeNode(name, path, kind, parent.depth + 1, len(parent.children) + 1, shape)
        parent.children.append(node)
        return node

    for s in report.layers:
        chain = [root]
        for n in range(1, len(s.node.scope) + 1):
            path = ".".join(s.node.scope[:n])
            if path not in blocks:
                out = by_name.get(net.aliases.get(path, ""))
                shape = out.output_shape if out is not None else s.output_shape
                kind = net.scopes.get(path, "block")
                blocks[path] = child(chain[-1], s.node.scope[n - 1], path, kind, shape)
            chain.append(blocks[path])
        inside = chain[-1].path
        own = s.name[len(inside) + 1 :] if inside and s.name.startswith(inside + ".") else s.name
        kind = s.type + (f"+{s.node.layer.activation.type}" if s.node.layer.activation else "")
        chain.append(child(chain[-1], own, s.name, kind, s.output_shape))
        for node in chain:
            node.params = node.params + s.counts.params
            node.macs = node.macs + s.counts.macs
    return root


def walk(node: TreeNode, depth: int | None = None) -> list[tuple[str, TreeNode]]:
    """(tree prefix, node) in order, the network first: ├─ and └─ before each child, │ below
    a sibling still to come; nodes deeper than `depth` left out (their figures stay in
    their block's)."""
    out: list[tuple[str, TreeNode]] = [("", node)]

    def visit(n: TreeNode, lead: str) -> None:
        if depth is not None and n.depth >= depth:
            return
        for i, c in enumerate(n.children):
            last = i == len(n.children) - 1
            out.append((lead + ("└─" if last else "├─"), c))
            visit(c, lead + ("  " if last else "│ "))

    visit(node, "")
    return out
