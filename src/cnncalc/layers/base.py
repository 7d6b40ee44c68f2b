"""What every layer kind is: a pydantic model with a shape rule, counts and an explanation.

A layer file declares its fields and overrides `shape` (one input) or `infer` (merges),
`count` and `explain`. Shape rules are written with Python operators over `Dim`
(int or a symbolic expression) so one formula serves concrete and symbolic inputs.

A layer with parameters or buffers declares them once, in `state`, as torch's state_dict has
them; the counts (`held`), the generated torch module's state_dict layout and the CUDA weights
file all derive from that declaration (tests/torch/test_state_declaration.py holds it to
torch's own modules).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple, overload

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from cnncalc.errors import LayerError
from cnncalc.layers.fields import Size
from cnncalc.layers.layout import Strides, dense, elementwise, is_contiguous
from cnncalc.sym import Dim, bounds, render

if TYPE_CHECKING:
    from cnncalc.layers.window import Window

Shape = tuple[Dim, ...]

# Names of dimensions by rank (batch excluded) where the network's input does not name them,
# for `dim: height` and for messages.
LAYOUTS: dict[int, tuple[str, ...]] = {
    1: ("features",),
    2: ("channels", "length"),
    3: ("channels", "height", "width"),
    4: ("channels", "depth", "height", "width"),
}


@dataclass(frozen=True, slots=True)
class Counts:
    """Per-layer figures; docs/counting.md defines each one."""

    trainable: Dim = 0
    fixed: Dim = 0  # parameters that are not trained (e.g. LeNet's hand-chosen RBF vectors)
    buffers: Dim = 0  # state that is not a parameter (BatchNorm's running statistics)
    connections: Dim = 0
    macs: Dim = 0

    @property
    def params(self) -> Dim:
        return self.trainable + self.fixed

    def with_links(self, connections: Dim, macs: Dim = 0) -> Counts:
        """These parameter counts with a kind's own connections and MACs."""
        return Counts(self.trainable, self.fixed, self.buffers, connections, macs)

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


NOTHING = Counts()


class Expect(BaseModel):
    """What the author states a layer (or the network) should come to; checked by lint."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    output_shape: list[int | str] | None = None
    params: Size | int | None = None
    trainable_params: int | None = None
    non_trainable_params: int | None = None
    connections: int | None = None
    macs: int | None = None
    total_params: int | None = None
    total_trainable_params: int | None = None
    total_connections: int | None = None
    total_macs: int | None = None


@overload
def numel(shape: Iterable[int]) -> int: ...
@overload
def numel(shape: Iterable[Dim]) -> Dim: ...
def numel(shape: Iterable[Dim]) -> Dim:
    """The product of sizes: a tensor's element count (1 for a scalar). The one product
    helper: layers count with it over Dim, codegen over ints."""
    n: Dim = 1
    for d in shape:
        n = n * d
    return n


class Tensor(NamedTuple):  # a NamedTuple: built for every layer counted, it must be cheap
    """One parameter or buffer of a layer, as torch's state_dict holds it for the layer's
    module: its name there (relative to the module that owns it), shape, and kind —
    trainable, fixed (a parameter that is not trained: LeNet's RBF vectors) or buffer (state
    that is not a parameter: BatchNorm's running statistics)."""

    name: str
    shape: Shape
    kind: Literal["trainable", "fixed", "buffer"] = "trainable"
    dtype: Literal["float32", "int64"] = "float32"  # num_batches_tracked is torch's one int64


def held(state: Iterable[Tensor]) -> Counts:
    """Counts' trainable, fixed and buffers: the declared tensors' elements, by kind."""
    trainable: Dim = 0
    fixed: Dim = 0
    buffers: Dim = 0
    for t in state:
        if t.kind == "trainable":
            trainable = trainable + numel(t.shape)
        elif t.kind == "fixed":
            fixed = fixed + numel(t.shape)
        else:
            buffers = buffers + numel(t.shape)
    return Counts(trainable, fixed, buffers)


class Saved(NamedTuple):
    """One tensor autograd keeps for a layer's backward in train mode (docs/memory.md): the
    layer's input `which` ("input"), its output ("output"), or a tensor of its own ("own":
    max pooling's indices, dropout's mask) shaped `shape` (batch-free, the batch put in front
    when `batched`) of `dtype` (None: the network's). Inputs and outputs are named, not sized,
    so that a storage two layers keep (or a view of it) is counted once."""

    source: Literal["input", "output", "own"]
    which: int = 0  # of a merge's inputs
    shape: Shape = ()
    # None: the network's; "accumulate": float32, or float64 in a float64 network (the
    # statistics torch's CPU kernels keep in their accumulation type)
    dtype: Literal["int64", "accumulate"] | None = None
    batched: bool = True
    # saved only where this input (or one of these) is tracked (mul keeps each factor for
    # the other's gradient)
    for_input: int | tuple[int, ...] | None = None


# how a kind lays out its output on a non-contiguous input (Layer.VIEWS)
Views = Literal["elementwise", "keep", "dense", "refuse"]


class Op(NamedTuple):
    """One call a layer's generated torch code makes, as FLOP counters see it (the peers'
    conventions in cnncalc/conventions/ count these): `name`, the torch function it runs
    (`conv2d`, `linear`, `batch_norm`, `relu`, `hardtanh`, `max_pool2d`, `+` for an operator
    in forward); `module`, the torch.nn class whose forward calls it ('Conv2d'), None for a
    call written in forward or inside a module of cnncalc's own; its input and output
    (batch-free); `macs`, the multiply-accumulates torch's matmul or convolution kernel does
    (aten mm/addmm/bmm/convolution; 0 for any other op); `bias`, a bias added to every output
    element inside that kernel; `affine`, a norm's scale and shift; `span`, a sliding
    window's extent per spatial axis, dilation included."""

    name: str
    x: Shape
    y: Shape
    module: str | None = None
    macs: Dim = 0
    bias: bool = False
    affine: bool = False
    span: tuple[Dim, ...] = ()


class Agreement(NamedTuple):
    """Axes of a several-input layer's inputs that must have one size, as (input, axis) pairs
    (axes of batch-free shapes); broadcast: a size 1 fits too (add, mul); batch: the axes are
    batch dimensions (matmul's leading ones), where broadcasting a 1 is the usual case rather
    than a channel broadcast by accident (lint's W204)."""

    places: tuple[tuple[int, int], ...]
    broadcast: bool = False
    batch: bool = False


@dataclass(frozen=True, slots=True)
class TorchModules:
    """A layer's PyTorch lowering as modules called one after another (codegen chains more
    than one in an nn.Sequential): constructor sources built with `pyargs`, and the index of
    the one whose state_dict holds the layer's `state`."""

    calls: tuple[str, ...]
    owner: int = 0


def fmt(d: Dim) -> str:
    """A Dim for messages and explanations: thousands separators for ints."""
    return f"{d:,}" if isinstance(d, int) else render(d)


def factor(d: Dim) -> str:
    """fmt, in parentheses where a symbolic sum would misread as a factor: 16·(⌈L/4⌉ - 1)."""
    compound = not isinstance(d, int) and (len(d.terms) > 1 or d.terms[0][1] < 0)
    return f"({fmt(d)})" if compound else fmt(d)


def shape_str(shape: Shape) -> str:
    if len(shape) == 1:
        return fmt(shape[0])
    return "×".join(factor(d) for d in shape) if shape else "scalar"


def require_positive(d: Dim, what: str, hint: str, field: str = "") -> None:
    """Refuse a size that is (or can be, for some allowed input) below 1."""
    low, _ = bounds(d)
    if low is not None and low >= 1:
        return
    if isinstance(d, int):
        raise LayerError(f"{what} comes to {d}, below 1", hint, field=field, code="E101")
    from cnncalc.sym import free_symbols

    names = ", ".join(sorted(free_symbols(d)))
    hint += (
        f"; or bound {names} from below (symbols: in the spec, or --symbols"
        f" '{min(free_symbols(d))}>=N'): `cnncalc sizes` finds how far"
    )
    raise LayerError(
        f"{what} = {render(d)} can be below 1 for some allowed inputs",
        hint,
        field=field,
        code="E101",
    )


def never_equal(a: Dim, b: Dim) -> bool:
    """a and b differ for every allowed input: 28 and 32, H and H + 1, 28 and H with H >= 32.
    Sizes that agree for some inputs only (⌊H/8⌋ and 2·⌊H/16⌋) are `cnncalc sizes`' question."""
    low, high = bounds(a - b)
    return (low is not None and low > 0) or (high is not None and high < 0)


@dataclass(frozen=True, slots=True)
class Reads:
    """Along one spatial axis, the input positions output position o reads: span(o) gives the
    first and last (below 0 or past the end: padding), None when it reads none; `step` is
    input positions per output position. Receptive fields chain these (analysis/receptive.py)."""

    step: Fraction
    span: Callable[[int], tuple[Dim, Dim] | None]

    @staticmethod
    def shift(by: Dim) -> Reads:
        """Output o reads input o - by (padding `by` before; a crop when negative)."""
        return Reads(Fraction(1), lambda o: (o - by, o - by))


POINTWISE = Reads.shift(0)


class Layer(BaseModel):
    """Base of every layer model. Subclasses set TYPES and override the rules below."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    TYPES: ClassVar[tuple[str, ...]] = ()  # spec type names; snake_case spellings also match
    # spatial dimensions of each of TYPES, for kinds whose types have a number of them
    DIMS: ClassVar[tuple[int, ...]] = ()
    ARITY: ClassVar[int | None] = 1  # how many inputs; None = one or more (merges)
    SHORTHAND_ACTIVATION: ClassVar[bool] = True  # whether `activation:` may follow this layer
    WANTS_FLAT: ClassVar[bool] = False  # meant for a flat (features) input; lint warns otherwise
    # On a non-contiguous input (a permuted view, a piece of a split): "elementwise", a
    # TensorIterator op, whose output takes the inputs' axis order (layers/layout.py);
    # "keep", the kind keeps the view as it is (it saves the view: its input's storage) and
    # lays its output out by rules cnncalc does not follow (an unknown layout, which only a
    # kind indifferent to layouts may read); "dense", its output is contiguous whatever the
    # input; "refuse", not declared (E130). A kind whose layout needs more says so in
    # `layout`.
    VIEWS: ClassVar[Views] = "refuse"

    type: str
    name: str | None = Field(default=None, description="unique layer name; generated if omitted")
    from_: str | list[str] | None = Field(
        default=None, alias="from", description="input layer name(s); default: the layer before"
    )
    activation: Any = Field(
        default=None, description="an activation applied after the layer (e.g. relu, sigmoid)"
    )
    expect: Expect | None = Field(
        default=None, description="figures the author states; lint checks"
    )
    # the network input's own axis names, e.g. ('channels', 'length', 'height'); set by the loader
    _input_axes: tuple[str, ...] = PrivateAttr(default=())

    @field_validator("activation", mode="before")
    @classmethod
    def _activation(cls, v: object) -> object:
        if v is None:
            return None
        from cnncalc.layers.registry import build_activation

        return build_activation(v)

    @property
    def kind(self) -> str:
        """The layer's kind, the name of its file in layers/ (one kind, one file): conv,
        linear, norm_batch, activations, … (`cnncalc params --by type` groups by it)."""
        return type(self).__module__.rsplit(".", 1)[-1]

    # ---- rules a layer file overrides -------------------------------------------------
    @property
    def dims(self) -> int:
        """Spatial dimensions, as the layer's kind declares them for its type (DIMS); 0 when
        the type has no fixed number (upsample, dropout, linear)."""
        return self.DIMS[self.TYPES.index(self.type)] if self.DIMS else 0

    def shape(self, x: Shape) -> Shape:
        """Output shape for one input (batch dimension excluded)."""
        return x

    def infer(self, inputs: Sequence[Shape]) -> Shape:
        return self.shape(inputs[0])

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        """The layer's parameters and buffers, named, shaped and ordered as torch's state_dict
        has them for the module `torch_modules` builds (its `owner`); () for none. The one
        declaration: counts (`held`), the torch state_dict layout and the CUDA weights file
        derive from it."""
        return ()

    def count(self, x: Shape, y: Shape) -> Counts:
        """Default: the declared state's counts (connections and MACs are the kind's own)."""
        state = self.state(x, y)
        return held(state) if state else NOTHING

    def counts(self, inputs: Sequence[Shape], y: Shape) -> Counts:
        return self.count(inputs[0], y)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        """Lines showing the arithmetic, numbers put in."""
        return []

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        """The calls the layer's generated torch code makes (`Op`), in order, for the FLOP
        conventions of peer tools (docs/conventions.md); None: not declared (those
        conventions leave the layer out and say so)."""
        return None

    # ---- what autograd keeps (analysis/memory.py) -------------------------------------
    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        """The tensors torch's autograd saves for this layer's backward in train mode, as
        its generated module runs on the CPU; None: not declared (memory refuses the layer
        rather than count it as nothing)."""
        return None

    def saved_at(
        self, batch: int, inputs: Sequence[Shape], y: Shape, strides: Sequence[Strides | None]
    ) -> tuple[Saved, ...] | None:
        """`saved` for a given batch size and the inputs' strides (layers/layout.py; None: a
        layout not followed), for kinds that keep a view or a copy by the layout (a fold
        for a matmul); by default `saved`, the same for every batch and layout."""
        return self.saved(inputs, y)

    def aliases(self) -> int | None:
        """The input whose storage the output is (a view, an in-place op); None: its own."""
        return None

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        """The output's storage (the input it is a view of, `aliases`, or None: its own) and
        its strides, batch first (None: a non-contiguous layout cnncalc does not follow),
        given the inputs' (memory's walk); None: not declared for these inputs (E130). By
        VIEWS; a new tensor with at most one axis past the batch larger than 1 (a global
        pooling's N×C×1×1) is contiguous in any dense layout torch picks."""
        alias = self.aliases()
        if alias is not None and shapes[alias] == y and self.VIEWS != "refuse":
            return alias, ins[alias]  # in place, or the input itself
        sizes = [full(batch, x) for x in shapes]
        contiguous = [
            s is not None and is_contiguous(n, s) for n, s in zip(sizes, ins, strict=True)
        ]
        if all(contiguous) or self.VIEWS == "dense":
            return alias, dense(full(batch, y))
        if self.VIEWS == "elementwise" and all(s is not None for s in ins):
            operands = [(n, s) for n, s in zip(sizes, ins, strict=True) if s is not None]
            return alias, elementwise(full(batch, y), operands)
        if self.VIEWS in ("elementwise", "keep"):
            if alias is None and sum(d != 1 for d in y) <= 1:
                return None, dense(full(batch, y))
            return alias, None
        return None

    def storage(self, batch: int, inputs: Sequence[Shape], y: Shape) -> Shape:
        """The batch-free shape of the storage a new output lies in: y, unless the output
        is a view into a larger tensor of the layer's own (a crop torch leaves uncopied)."""
        return y

    def output_is_state(self) -> bool:
        """Whether the output is the layer's own parameter or buffer (a `parameter` read
        alone): a storage autograd's count leaves out, one sample (batch 1) however many
        the data has."""
        return False

    # ---- facts lint reads (layer knowledge stays in the layer) -------------------------
    def input_windows(self, x: Shape) -> Sequence[Window]:
        """The sliding windows applied over x's spatial axes, one per axis; none by default."""
        return ()

    def joined_axis(self, rank: int) -> int | None:
        """For a merge: the axis its inputs are joined along (concat); None: they align on all."""
        return None

    def agreements(self, inputs: Sequence[Shape]) -> list[Agreement]:
        """For a layer of several inputs: which of their sizes must agree (sizes' conditions
        and lint's W204 read them). Default, a merge: aligned right, on every axis but the
        joined one, where a 1 broadcasts unless the inputs are joined (concat)."""
        width = max(len(s) for s in inputs)
        joined = self.joined_axis(width)
        return [
            Agreement(
                tuple((j, k) for j, s in enumerate(inputs) if (k := len(s) - width + i) >= 0),
                joined is None,
            )
            for i in range(width)
            if i != joined
        ]

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        """For receptive fields: which positions of input x (one of a merge's inputs) each output
        position reads along spatial axis `axis` (0: the first after channels). None: the whole
        input (global pooling, flatten); a str: not defined, and why. Default: the layer's
        sliding windows, else the same position, else (the rank changes) the whole input."""
        windows = self.input_windows(x)
        if windows:
            return windows[axis].reads()
        return POINTWISE if len(x) == len(y) else None

    def exact_divisions(self, x: Shape) -> Sequence[tuple[Dim, int]]:
        """(n, d) pairs this layer divides with a remainder dropped unless d divides n: by default
        each window's W + P - span by its stride. `cnncalc sizes` finds the inputs that make all
        of them exact."""
        windows = zip(self.input_windows(x), x[1:], strict=False)
        return [(n + w.before + w.after - w.span, w.stride) for w, n in windows]

    # ---- helpers for layer files ------------------------------------------------------
    def set_input_axes(self, names: tuple[str, ...]) -> None:
        """Record the network input's axis names (`input: {channels, length, height}`)."""
        self._input_axes = names

    def axis_names(self, rank: int) -> tuple[str, ...]:
        """Names of a batch-free tensor's axes: the network input's own names at the input's
        rank (layers that keep the rank keep what the axes mean), else the usual LAYOUTS."""
        if len(self._input_axes) == rank:
            return self._input_axes
        return LAYOUTS.get(rank, ())

    def axis_label(self, rank: int, axis: int) -> str:
        """'height', or 'dimension 5' past the named layouts (for messages)."""
        names = self.axis_names(rank)
        return names[axis] if axis < len(names) else f"dimension {axis + 1}"

    def expect_rank(self, x: Shape, rank: int, layout: str) -> None:
        if len(x) != rank:
            raise LayerError(
                f"{self.type} expects a {layout} input (batch excluded), got {shape_str(x)}",
                "check the layer before it (a flatten too early?) or the spec's input",
                code="E102",
            )

    def check_in(self, declared: int | None, actual: Dim, field: str) -> None:
        """Compare an optional declared input size (in_channels, in_features) with the real one."""
        if declared is not None and isinstance(actual, int) and declared != actual:
            raise LayerError(
                f"{field} is {declared} but the input has {actual}",
                f"set {field}: {actual}, or remove it (cnncalc infers it)",
                field=field,
                code="E102",
            )

    # ---- lowering to PyTorch (codegen/pytorch.py checks, lays out and places these) ------
    def torch_module(self, x: Shape, y: Shape) -> str | None:
        """The nn.Module computing this layer, as constructor source built with `pyargs`, e.g.
        'nn.Conv2d(1, 6, kernel_size=5)'; None for a layer written as a forward expression."""
        return None

    def torch_modules(self, x: Shape, y: Shape) -> TorchModules | None:
        """The general form, for a layer that needs more than one module (a padding module
        before a convolution): by default torch_module's one module, owning the state."""
        text = self.torch_module(x, y)
        return None if text is None else TorchModules((text,))

    def torch_class(self, x: Shape, y: Shape) -> str | None:
        """The class of the module `torch_modules` builds to hold the layer's state ('Conv2d',
        'TableConv'), None for a layer written as a forward expression."""
        modules = self.torch_modules(x, y)
        if modules is None:
            return None
        return modules.calls[modules.owner].split("(", 1)[0].removeprefix("nn.")

    def torch_forward(self, args: Sequence[str], inputs: Sequence[Shape], y: Shape) -> str | None:
        """forward's expression over the input variables `args`, for layers without a module."""
        return None

    def torch_kwargs(self, *names: str) -> dict[str, Any]:
        """The named fields whose values differ from their defaults (torch's defaults too)."""
        spec = type(self).model_fields
        return {n: getattr(self, n) for n in names if getattr(self, n) != spec[n].default}


def pyargs(*args: object, **kwargs: object) -> str:
    """A generated call's arguments as source: repr of ints, floats, bools, None, tuples of them
    and validated literal strings. codegen re-parses the text and refuses anything else."""
    for field, v in [*(("", a) for a in args), *kwargs.items()]:
        if isinstance(v, float) and not math.isfinite(v):
            raise LayerError(
                f"{field or 'a value'} is {v}: generated code states numbers as literals",
                "use a finite number",
                field=field,
                code="E120",
            )
        # cnncalc counts with exact integers of any size; torch takes 64-bit ones (a larger
        # one fails deep in torch, with a C++ trace)
        for n in v if isinstance(v, tuple) else (v,):
            if isinstance(n, int) and not -(2**63) <= n < 2**63:
                raise LayerError(
                    f"{field or 'a size'} is {n}: torch takes integers up to {2**63 - 1:,}",
                    "use a smaller value; params and shapes count with sizes of any size",
                    field=field,
                    code="E120",
                )
    return ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])


def tight(v: int | tuple[int, ...]) -> int | tuple[int, ...]:
    """One int for a tuple of equal ints: torch reads kernel_size=3 as (3, 3) at any rank."""
    return v[0] if isinstance(v, tuple) and v and len(set(v)) == 1 else v


def full(batch: int, shape: Shape) -> tuple[int, ...]:
    """A batch-free shape with the batch in front, as the concrete sizes torch has."""
    return (batch, *(concrete(d, "a tensor's size") for d in shape))


def concrete(d: Dim, what: str) -> int:
    """A size generated code must state as a number (a Linear's in_features, channels)."""
    if isinstance(d, int):
        return d
    raise LayerError(
        f"{what} is {render(d)}, which generated code must state as a number",
        "generate for a concrete input, e.g. --input 3x224x224",
        code="E120",
    )
