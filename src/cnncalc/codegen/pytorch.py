"""PyTorch backend: one self-contained file with an nn.Module named after the spec.

Each layer lowers itself (`torch_module`: a constructor; `torch_forward`: an expression for
merges, reshapes, splits); this module places the modules at the layers' own hierarchical
names and writes forward from the graph, as a list of lines:

- modules live where cnncalc names them: `layer1.0.conv1` is `self.layer1[0].conv1`, so
  `model.get_submodule("layer1.0.conv1")` is that layer. A block or group whose children are
  numbered and called one after another is an nn.Sequential (and forward calls it once);
  other numbered children sit in an nn.ModuleList, named ones in an nn.ModuleDict;
- a layer's `activation:` joins its module in an nn.Sequential (a merge's becomes its module),
  so the module's output is the layer's output, as cnncalc reports it (`placement`: also
  where in that nn.Sequential each one's state lands);
- a layer that is a tensor of its own (it declares one tensor named "", the `parameter` kind)
  is an nn.Parameter (or a registered buffer) of the module around it, under the layer's last
  name part, so the layer's name is its state_dict key; its forward expression reads it as its
  last argument;
- forward threads one variable, `x`, through the chain and names a value after its layer only
  where a later layer (a shortcut, a concatenation) reads it again.

Every name comes from names.Namespace and every expression is checked by source.parse, so a
spec cannot put text of its own into the file.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cnncalc.codegen import source
from cnncalc.codegen.backend import Generated, Statement, options
from cnncalc.codegen.lowering import Refusal, supported
from cnncalc.codegen.names import MODULE_ATTRIBUTES, Namespace, identifier
from cnncalc.errors import LayerError, Problem, SpecError
from cnncalc.layers.base import Layer, concrete, pyargs
from cnncalc.spec.network import INPUT

if TYPE_CHECKING:
    from cnncalc.analysis.engine import LayerStats, Report
    from cnncalc.layers.base import Layer, Shape, Tensor

HELPERS_FILE = Path(__file__).with_name("torch_helpers.py")
# torch.* a forward expression may call
TORCH_FUNCTIONS = frozenset({"cat", "chunk", "split", "matmul", "roll"})
# tensor methods a forward expression may call
METHODS = frozenset(
    {"reshape", "permute", "transpose", "mean", "sum", "amax", "select", "narrow", "expand"}
)
CLASS_INDENT, BODY_INDENT = "    ", "        "


@cache
def helper_sources() -> dict[str, str]:
    """Helper class name -> its source, read from torch_helpers.py without importing it."""
    text = HELPERS_FILE.read_text(encoding="utf-8")
    lines = text.splitlines()
    return {
        node.name: "\n".join(lines[node.lineno - 1 : node.end_lineno])
        for node in source.ast_parse(text).body
        if isinstance(node, ast.ClassDef) and node.end_lineno is not None
    }


def _constructor_ok(name: str) -> bool:
    parts = name.split(".")
    if len(parts) == 2 and parts[0] == "nn":
        return parts[1].isidentifier() and parts[1][:1].isupper()
    return len(parts) == 1 and name in helper_sources()


def _call(func: str, args: list[ast.expr]) -> ast.Call:
    return ast.Call(func=_name(func), args=args, keywords=[])


def _name(dotted: str) -> ast.expr:
    if "[" in dotted:  # an accessor through containers, `self.blocks[0].layers[0]`: parsed,
        # so that the layout sees its subscripts (ruff's fluent style breaks chains at them)
        return source.ast_parse_expr(dotted).body
    first, *rest = dotted.split(".")
    node: ast.expr = ast.Name(id=first, ctx=ast.Load())
    for attr in rest:
        node = ast.Attribute(value=node, attr=attr, ctx=ast.Load())
    return node


# ---- where a layer's modules and state go ---------------------------------------------------
@dataclass(frozen=True, slots=True)
class Placement:
    """A layer's modules: constructor sources in call order, its own (`torch_modules`) then its
    `activation:`'s, one nn.Sequential when more than one; and the sub-path, under the layer's
    module path, of the module owning the layer's state (`own`) and the activation's (`act`):
    '' for a lone module, else its index in the nn.Sequential ('1.')."""

    calls: tuple[str, ...]
    module: bool  # the layer itself is a module; False: forward writes it as an expression
    own: str = ""
    act: str = ""
    tensor: bool = False  # the layer is a tensor its parent module holds (its name is the key)
    buffer: bool = False  # that tensor is a buffer (register_buffer), not an nn.Parameter


def placement(layer: Layer, x: Shape, y: Shape) -> Placement:
    """Where the torch backend puts a layer (x: its first input's shape, y: its output's)."""
    own = layer.torch_modules(x, y)
    act = layer.activation.torch_modules(y, y) if layer.activation is not None else None
    first = own.calls if own is not None else ()
    calls = first + (act.calls if act is not None else ())

    def sub(index: int) -> str:
        return f"{index}." if len(calls) > 1 else ""

    tensors = [t for t in layer.state(x, y) if t.name == ""]
    return Placement(
        calls,
        own is not None,
        sub(own.owner) if own is not None else "",
        sub(len(first) + act.owner) if act is not None else "",
        bool(tensors),
        any(t.kind == "buffer" for t in tensors),
    )


def held_tensor(layer: Layer, x: Shape, y: Shape) -> ast.expr:
    """The nn.Parameter a tensor layer (one tensor named "") is: zeros of its declared shape;
    for a buffer, the zeros alone (`write` registers them)."""
    (t,) = layer.state(x, y)
    sizes = [concrete(d, "a parameter's size") for d in t.shape]
    pyargs(*sizes)  # refuses what torch cannot take (E120): sizes past 64 bits
    zeros = _call("torch.zeros", [ast.Constant(d) for d in sizes])
    if t.kind == "buffer":
        return zeros
    node = _call("nn.Parameter", [zeros])
    if t.kind == "fixed":
        node.keywords.append(ast.keyword(arg="requires_grad", value=ast.Constant(value=False)))
    return node


@dataclass(frozen=True, slots=True)
class StateEntry:
    """One tensor of the generated module's state_dict, as its layer declares it."""

    key: str
    tensor: Tensor
    layer: str


@dataclass(frozen=True)
class ModuleTree:
    """The generated module's tree as far as its state goes: each layer's module path and
    placement, and the order in which state_dict lists the layers (containers' order)."""

    paths: dict[str, str]  # layer -> module path, as get_submodule takes it
    placements: dict[str, Placement]
    order: tuple[str, ...]  # the layers with a module

    def prefixes(self, layer: str) -> tuple[str, str]:
        """state_dict key prefixes of a layer's own tensors and of its activation's."""
        base, place = self.paths[layer], self.placements[layer]
        return base if place.tensor else f"{base}.{place.own}", f"{base}.{place.act}"

    def state(self, report: Report) -> list[StateEntry]:
        """The state_dict as the layers declare it (`Layer.state`): keys, tensors, order."""
        stats = {s.name: s for s in report.layers}
        out: list[StateEntry] = []
        for name in self.order:
            s, (own_at, act_at) = stats[name], self.prefixes(name)
            layer, y = s.node.layer, s.output_shape
            own = layer.infer(s.input_shapes) if layer.activation is not None else y
            out += [
                StateEntry(own_at + t.name, t, name) for t in layer.state(s.input_shapes[0], own)
            ]
            if layer.activation is not None:
                out += [
                    StateEntry(act_at + t.name, t, name) for t in layer.activation.state(own, y)
                ]
        return out


def module_tree(report: Report) -> ModuleTree:
    """The tree the torch backend generates for a report, without writing the file; raises
    SpecError where the backend cannot write the spec."""
    return _Writer(report, 88).tree()


# ---- the module tree ------------------------------------------------------------------------
@dataclass
class Slot:
    """A place in the module tree: a layer's module (leaf) or a container of slots."""

    raw: str  # the name part as cnncalc has it
    module: ast.expr | None = None
    layer: str = ""
    tensor: bool = False  # module is an nn.Parameter the container holds, not a child module
    buffer: bool = False  # the tensor is a buffer of the container
    children: dict[str, Slot] = field(default_factory=dict)
    kind: str = "dict"  # 'dict', 'list' or 'seq' for containers
    keys: dict[str, str] = field(default_factory=dict)  # raw child name -> its key here

    def numbered(self) -> bool:
        return sorted(self.children, key=_index) == [str(i) for i in range(len(self.children))]


_HYPHENATED = re.compile(r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)+")


def _index(raw: str) -> int:
    return int(raw) if raw.isdigit() and raw == str(int(raw)) else -1


@dataclass
class Steps:
    """__init__'s locals for containers built one at a time (build), and their lines."""

    names: Namespace
    lines: list[str] = field(default_factory=list)


@dataclass
class Item:
    """One statement of forward: a layer, or a whole nn.Sequential container called once."""

    value: str  # the layer whose output this is
    inputs: tuple[str, ...]
    label: str  # what a variable holding it is named after
    call: str = ""  # the module's accessor, e.g. 'self.layer1[0].conv1'
    stats: LayerStats | None = None  # the layer, when forward writes an expression for it


class PyTorch:
    name = "torch"

    def generate(self, report: Report, **given: Any) -> Generated:
        line_length = options(self.name, given, {"line_length": 88})["line_length"]
        return _Writer(report, int(line_length)).write()

    def lowering_for(self, kind: type[Layer]) -> Callable[..., object] | Refusal:
        """The layer's own lowering: its `torch_modules` (a wrapper around more than one
        module), else its `torch_module`, else its `torch_forward`."""
        for method in ("torch_modules", "torch_module", "torch_forward"):
            if getattr(kind, method) is not getattr(Layer, method):
                found: Callable[..., object] = getattr(kind, method)
                return found
        return Refusal(
            f"{kind.__name__} defines none of torch_modules, torch_module, torch_forward"
        )

    def supports(self, kind: type[Layer]) -> Literal[True] | str:
        return supported(self.lowering_for(kind))


class _Writer:
    def __init__(self, report: Report, width: int) -> None:
        self.report = report
        self.width = width
        self.problems: list[Problem] = []
        self.root = Slot("")
        self.modules: dict[str, str] = {}  # layer -> module path
        self.accessors: dict[str, str] = {}  # raw path -> python accessor
        self.helpers: set[str] = set()
        self.expressions: set[str] = set()  # layers forward writes as an expression
        self.placements: dict[str, Placement] = {}
        self.position = {s.name: i for i, s in enumerate(report.layers)}
        self.readers: dict[str, list[str]] = {}
        # the layers inside each block path, in order: scanning every layer per container
        # made codegen quadratic (35 s for 19,000 layers)
        self.inside: dict[str, list[LayerStats]] = {}
        for s in report.layers:
            for v in s.node.inputs:
                self.readers.setdefault(v, []).append(s.name)
            path = s.name
            while "." in path:
                path = path.rsplit(".", 1)[0]
                self.inside.setdefault(path, []).append(s)

    def fail(self, stats: LayerStats, err: Exception) -> None:
        if isinstance(err, LayerError):
            problem = Problem(
                stats.node.where(err.field), err.message, err.hint, stats.name, err.code
            )
        else:
            problem = Problem(
                stats.node.where(), f"cannot generate code: {err}", "", stats.name, "E120"
            )
        self.problems.append(problem)

    # ---- lowering -------------------------------------------------------------------
    def lower(self, stats: LayerStats) -> ast.expr | None:
        """The layer's module, its activation appended; None for a forward expression (a
        merge's activation alone is then its module: forward passes the merged value to it)."""
        try:
            x, y = stats.input_shapes[0], stats.output_shape
            placed = placement(stats.node.layer, x, y)
            self.placements[stats.name] = placed
            if not placed.module:
                self.expressions.add(stats.name)
            if placed.tensor:
                last = stats.name.split(".")[-1]
                if not last.isidentifier():
                    raise LayerError(
                        f"a parameter's name ends in {last!r}: torch holds it as an attribute",
                        "end the layer's name in a word (layer_scale, pos_embedding)",
                        code="E120",
                    )
                return held_tensor(stats.node.layer, x, y)
            calls = [self.constructor(text) for text in placed.calls]
            if len(calls) > 1:
                return _call("nn.Sequential", calls)
            return calls[0] if calls else None
        except (LayerError, source.UnsafeSource) as err:
            self.fail(stats, err)
        return None

    def constructor(self, text: str) -> ast.expr:
        node = source.parse(text, {"nn", "torch", *helper_sources()}, _constructor_ok)
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
                self.helpers.add(sub.func.id)
        return node

    # ---- placing modules ------------------------------------------------------------
    def place(self, stats: LayerStats, module: ast.expr) -> None:
        slot = self.root
        *scope, last = stats.name.split(".")
        for part in scope:
            slot = slot.children.setdefault(part, Slot(part))
            if slot.module is not None:
                break
        if slot.module is not None or last in slot.children:
            self.fail(
                stats, LayerError(f"{stats.name!r} names both a layer and a block", code="E120")
            )
            return
        placed = self.placements[stats.name]
        slot.children[last] = Slot(
            last, module, stats.name, tensor=placed.tensor, buffer=placed.buffer
        )

    def shape_tree(self, slot: Slot, path: str) -> None:
        """Choose each container's kind and its children's keys, innermost first."""
        for child in slot.children.values():
            if child.children:
                self.shape_tree(child, f"{path}.{child.raw}" if path else child.raw)
        if slot is not self.root and slot.numbered():
            slot.kind = "seq" if self.is_chain(slot, path) else "list"
        names = Namespace(MODULE_ATTRIBUTES, attributes=True)
        for raw in slot.children:
            if slot is not self.root and (slot.kind != "dict" or _index(raw) >= 0):
                slot.keys[raw] = raw  # an index, or a numeric key in a ModuleDict
            elif slot is not self.root and _HYPHENATED.fullmatch(raw):
                # a ModuleDict key as written (torchvision's RegNet: 'block1-0'), so that the
                # state_dict is torch's: never an attribute, and plain ASCII inside its quotes
                slot.keys[raw] = raw
            else:
                slot.keys[raw] = names.create(raw)

    def set_paths(self, slot: Slot, raw_path: str, accessor: str, torch_path: str) -> None:
        for raw, child in slot.children.items():
            key = slot.keys[raw]
            if slot.kind in ("seq", "list"):
                sub_accessor = f"{accessor}[{key}]"
            elif not key.isidentifier():
                sub_accessor = f'{accessor}["{key}"]'
            else:
                sub_accessor = f"{accessor}.{key}"
            sub_raw = f"{raw_path}.{raw}" if raw_path else raw
            sub_torch = f"{torch_path}.{key}" if torch_path else key
            self.accessors[sub_raw] = sub_accessor
            if child.module is not None:
                self.modules[child.layer] = sub_torch
            self.set_paths(child, sub_raw, sub_accessor, sub_torch)

    def is_chain(self, slot: Slot, path: str) -> bool:
        """Whether a numbered container's layers run one after another, each reading only the
        one before and read from outside only at the end: then nn.Sequential calls them."""
        if any(c.module is None and c.kind != "seq" for c in slot.children.values()):
            return False
        inside = self.inside.get(path, [])
        if not inside or any(s.name in self.expressions for s in inside):
            return False
        order = [_index(s.name[len(path) + 1 :].split(".")[0]) for s in inside]
        first = self.position[inside[0].name]
        if order != sorted(order) or [self.position[s.name] for s in inside] != list(
            range(first, first + len(inside))
        ):
            return False
        outputs = self.report.network.outputs
        for before, after in itertools.pairwise(inside):
            if after.node.inputs != (before.name,) or self.readers[before.name] != [after.name]:
                return False
            if before.name in outputs:
                return False
        return len(inside[0].node.inputs) == 1

    def build(
        self, slot: Slot, steps: Steps | None = None, path: str = "", depth: int = 0
    ) -> ast.expr:
        """The constructor expression of a container (or a leaf's module). With `steps`,
        containers two levels down are built first, each into a local of its own, and read
        by name: one expression nested deeper indents past any line width."""
        if slot.module is not None:
            return slot.module
        items = [
            self.build(c, steps, f"{path}_{c.raw}", depth + 1)
            for c in _ordered(slot)
            if not c.tensor
        ]
        if slot.kind == "seq":
            expr = _call("nn.Sequential", items)
        elif slot.kind == "list":
            expr = _call("nn.ModuleList", [ast.List(elts=items, ctx=ast.Load())])
        else:
            keys: list[ast.expr | None] = [
                ast.Constant(value=slot.keys[r]) for r, c in slot.children.items() if not c.tensor
            ]
            expr = _call("nn.ModuleDict", [ast.Dict(keys=keys, values=items)])
        if steps is None or depth < 2:
            return expr
        name = steps.names.create(path, "lower", "part")
        steps.lines += source.statement(name, expr, BODY_INDENT, self.width)
        return ast.Name(id=name, ctx=ast.Load())

    # ---- forward --------------------------------------------------------------------
    def unit_of(self, name: str) -> str:
        """The outermost nn.Sequential container holding a layer ('' for none)."""
        parts = name.split(".")
        slot: Slot | None = self.root
        for i, part in enumerate(parts[:-1]):
            slot = slot.children.get(part) if slot is not None else None
            if slot is not None and slot.kind == "seq" and slot.module is None:
                return ".".join(parts[: i + 1])
        return ""

    def items(self) -> list[Item]:
        out: list[Item] = []
        for stats in self.report.layers:
            name, inputs = stats.name, stats.node.inputs
            unit = self.unit_of(name) if name in self.modules else ""
            if unit and out and out[-1].label == unit and out[-1].stats is None:
                out[-1].value = name  # the container's output is its last layer's
            elif unit:
                out.append(Item(name, inputs, unit, self.accessors[unit]))
            elif name in self.expressions:
                out.append(Item(name, inputs, name, self.accessors.get(name, ""), stats))
            else:
                out.append(Item(name, inputs, name, self.accessors[name]))
        return out

    def forward(self, reserved: set[str]) -> tuple[list[str], list[tuple[int, int, str, str]]]:
        """forward's body lines, and (first, last, variable, layer) per statement, 0-based."""
        items = self.items()
        outputs = self.report.network.outputs
        readers: dict[str, set[int]] = {}
        for i, item in enumerate(items):
            for v in item.inputs:
                readers.setdefault(v, set()).add(i)
        for o in outputs:
            readers.setdefault(o, set()).add(len(items))
        last_read = {v: max(r) for v, r in readers.items()}  # once: the input may have n readers
        local = Namespace({"self", "torch", "nn", "F", "x", "_", *reserved})
        var = {INPUT: "x"}
        in_x = INPUT  # the value variable x holds
        lines: list[str] = []
        marks: list[tuple[int, int, str, str]] = []
        for i, item in enumerate(items):
            expr = self.expression(item, [var[v] for v in item.inputs])
            if expr is None:  # refused, and reported: no file is written, but later
                var[item.value] = "_"  # statements still read a name (and report their own)
                continue
            uses = readers.get(item.value, set())
            if uses == {i + 1} and last_read.get(in_x, -1) <= i:
                name, in_x = "x", item.value  # the next statement reads it, and only it
            elif not uses:
                name = "_"  # read by no later layer: computed (and checked) all the same
            else:
                name = local.create(item.label, "lower", "out")
            var[item.value] = name
            stmt = source.statement(name, expr, BODY_INDENT, self.width)
            marks.append((len(lines), len(lines) + len(stmt) - 1, name, item.value))
            lines += stmt
        names = [ast.Name(id=var[o], ctx=ast.Load()) for o in outputs]
        result = names[0] if len(names) == 1 else ast.Tuple(elts=list(names), ctx=ast.Load())
        lines += source.statement("return", result, BODY_INDENT, self.width)
        return lines, marks

    def expression(self, item: Item, args: list[str]) -> ast.expr | None:
        """The right-hand side of an item's statement."""
        stats = item.stats
        if stats is None:  # a module (or a container) called on its input
            return _call(item.call, [ast.Name(id=a, ctx=ast.Load()) for a in args])
        layer = stats.node.layer
        tensor = self.placements[item.value].tensor
        if tensor:  # the layer's own tensor, read as the last argument
            args = [*args, item.call]
        try:
            text = layer.torch_forward(args, stats.input_shapes, stats.output_shape)
            if text is None:
                raise LayerError(f"{layer.type} has no PyTorch lowering yet", code="E120")
            names = {"torch", *args, *(["self"] if tensor else [])}
            node = source.parse(text, names, lambda f: _forward_ok(f, args))
        except (LayerError, source.UnsafeSource) as err:
            self.fail(stats, err)
            return None
        if item.call and not tensor:  # a merge's activation module
            return _call(item.call, [node])
        return node

    # ---- the file -------------------------------------------------------------------
    def tree(self) -> ModuleTree:
        """Lower and place every layer; the module tree."""
        for stats in self.report.layers:
            module = self.lower(stats)
            if module is not None:
                self.place(stats, module)
        if self.problems:
            raise SpecError(self.problems)
        self.shape_tree(self.root, "")
        self.set_paths(self.root, "", "self", "")
        order = tuple(leaf.layer for leaf in _leaves(self.root))
        return ModuleTree(dict(self.modules), self.placements, order)

    def write(self) -> Generated:
        rep = self.report
        self.tree()
        helpers = sorted(self.helpers)
        module_names = Namespace({"torch", "nn", "F", *helper_sources()})
        class_name = module_names.create(rep.network.name, "pascal", "Net")
        body, marks = self.forward({class_name, *helpers})
        if self.problems:
            raise SpecError(self.problems)
        init = [f"{BODY_INDENT}super().__init__()"]
        steps = Steps(Namespace({"self", "torch", "nn", "F", class_name, *helpers}))
        for raw, slot in self.root.children.items():
            lines = self.assign(f"self.{self.root.keys[raw]}", slot)
            if slot.module is None and any(len(line) > self.width for line in lines):
                steps.lines = []
                expr = self.build(slot, steps, raw)
                lines = [*steps.lines, *self.assign(f"self.{self.root.keys[raw]}", slot, expr)]
            init += lines
        for leaf in _leaves(self.root):  # tensors held inside containers, set on them
            if leaf.tensor and self.root.children.get(leaf.raw) is not leaf:
                init += self.assign(self.accessors[leaf.layer], leaf)
        code_helpers = [helper_sources()[h] for h in helpers]
        functional = any(_reads_name(src, "F") for src in code_helpers)
        n_out = len(rep.network.outputs)
        returns = "torch.Tensor" if n_out == 1 else f"tuple[{', '.join(['torch.Tensor'] * n_out)}]"
        lines = [
            '"""A PyTorch module generated by cnncalc from a network spec."""',
            "",
            "import torch",
            *(["import torch.nn.functional as F"] if functional else []),
            "from torch import nn",
            *(part for src in code_helpers for part in ("", "", src)),
            "",
            "",
            f"class {class_name}(nn.Module):",
            *self.docstring(),
            "",
            f"{CLASS_INDENT}def __init__(self) -> None:",
            *init,
            "",
            f"{CLASS_INDENT}def forward(self, x: torch.Tensor) -> {returns}:",
        ]
        lines = "\n".join(lines).split("\n")  # helper sources hold several lines each
        first = len(lines) + 1  # 1-based line of forward's first statement
        statements = [Statement(first + a, first + b, v, layer) for a, b, v, layer in marks]
        renamed = {k: v for k, v in self.modules.items() if k != v}
        code = "\n".join(lines + body) + "\n"
        modules = {k: v for k, v in self.modules.items() if not self.placements[k].tensor}
        return Generated(code, class_name, modules, statements, renamed, tuple(helpers))

    def assign(self, target: str, slot: Slot, built: ast.expr | None = None) -> list[str]:
        """__init__'s lines that set a slot: `target = module`; a buffer is registered on the
        module around it (an attribute set to a plain tensor would not be in the state_dict)."""
        value = self.build(slot) if built is None else built
        if not slot.buffer:
            return source.statement(target, value, BODY_INDENT, self.width)
        owner, key = target.rsplit(".", 1)  # a tensor's key is an identifier: an attribute
        call = _call(f"{owner}.register_buffer", [ast.Constant(key), value])
        return source.layout(call, BODY_INDENT, "", BODY_INDENT, self.width)

    def docstring(self) -> list[str]:
        rep, t = self.report, self.report.totals
        shape = ", ".join(
            str(d) if isinstance(d, int) else identifier(str(d)) for d in rep.input_shape
        )
        trainable, fixed, buffers = (
            f"{d:,}" if isinstance(d, int) else "?" for d in (t.trainable, t.fixed, t.buffers)
        )
        return [
            f'{CLASS_INDENT}"""The spec\'s network; its layer names are the module names here.',
            "",
            f"{CLASS_INDENT}Input: (N, {shape}). cnncalc counts {trainable} trainable parameters,",
            f"{CLASS_INDENT}{fixed} fixed ones and {buffers} buffer elements.",
            f'{CLASS_INDENT}"""',
        ]


def _ordered(slot: Slot) -> list[Slot]:
    """A container's children in its constructor's order (state_dict's order too)."""
    children = list(slot.children.values())
    if slot.kind != "dict":  # an index is a position: order by it
        children.sort(key=lambda c: _index(c.raw))
    # a module's state_dict lists its own parameters, then its own buffers, then its children's
    params = [c for c in children if c.tensor and not c.buffer]
    return params + [c for c in children if c.buffer] + [c for c in children if not c.tensor]


def _leaves(slot: Slot) -> list[Slot]:
    if slot.module is not None:
        return [slot]
    return [leaf for child in _ordered(slot) for leaf in _leaves(child)]


def _forward_ok(name: str, args: list[str]) -> bool:
    parts = name.split(".")
    if len(parts) == 2 and parts[0] == "torch":
        return parts[1] in TORCH_FUNCTIONS
    return len(parts) >= 2 and ".".join(parts[:-1]) in args and parts[-1] in METHODS


def _reads_name(src: str, name: str) -> bool:
    """Whether code reads a name (not merely mentions it in a docstring or comment)."""
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(source.ast_parse(src)))
