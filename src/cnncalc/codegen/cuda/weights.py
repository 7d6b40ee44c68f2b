"""The weights file: the generated torch module's state_dict, its floating-point tensors in its
order, so that `torch.cat([t.flatten() for t in state_dict().values()])` (less the integer
num_batches_tracked) is the file.

Nothing here reads generated source: each layer declares its tensors once (`Layer.state`), and
the torch backend's module tree (`pytorch.module_tree`) says where each layer's module sits,
where its state lands inside a wrapper (a padding module before a convolution: `.1.`; a layer
with `activation:` is nn.Sequential(module, activation): `.0.`, the activation's `.1.`), and
the order in which state_dict lists the layers (its containers', which groups a block's layers
together)."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.analysis.engine import Report
from cnncalc.codegen.pytorch import ModuleTree, Placement, module_tree, placement
from cnncalc.errors import LayerError, SpecError

from .ir import RawTensor


@dataclass
class Layout:
    tensors: list[RawTensor]  # the file's, in its order
    prefixes: dict[str, tuple[str, str]]  # layer -> key prefixes of its tensors, its activation's


def layout(report: Report) -> Layout:
    """The weights file's tensors, keyed and laid out as the generated torch module's
    state_dict has its floating-point ones."""
    try:
        tree = module_tree(report)
    except SpecError:  # the torch backend cannot write this spec: cnncalc's names then
        tree = _own_names(report)
    out: list[RawTensor] = []
    at = 0
    for e in tree.state(report):
        shape = tuple(d for d in e.tensor.shape if isinstance(d, int))
        # a symbolic layer has no place in the file: lowering refuses it (E300)
        if e.tensor.dtype == "float32" and len(shape) == len(e.tensor.shape):
            t = RawTensor(e.key, shape, at, e.layer)
            out.append(t)
            at += t.size
    return Layout(out, {name: tree.prefixes(name) for name in tree.order})


def _own_names(report: Report) -> ModuleTree:
    """The tree under cnncalc's own layer names, each layer's wrappers where the torch backend
    can lower it, the layers in tree order."""
    names = [s.name for s in report.layers]
    placements: dict[str, Placement] = {}
    for s in report.layers:
        try:
            placements[s.name] = placement(s.node.layer, s.input_shapes[0], s.output_shape)
        except LayerError:  # no module to follow: the tensors sit under the layer's name
            placements[s.name] = Placement((), module=False)
    order = _tree_order(names)
    return ModuleTree(
        {n: n for n in names}, placements, tuple(sorted(names, key=lambda n: order[n]))
    )


def _tree_order(names: list[str]) -> dict[str, tuple[int, ...]]:
    """Each layer's position in the module tree: per dotted level, the order in which that
    name first appeared among its siblings (as the torch backend fills its containers)."""
    seen: dict[tuple[str, ...], dict[str, int]] = {}
    order: dict[str, tuple[int, ...]] = {}
    for name in names:
        parts = name.split(".")
        key = []
        for depth, part in enumerate(parts):
            siblings = seen.setdefault(tuple(parts[:depth]), {})
            key.append(siblings.setdefault(part, len(siblings)))
        order[name] = tuple(key)
    return order
