"""What a code generator is: a report in, generated source out. The torch backend gives one
file plus the map a checker needs to find each of cnncalc's layers in it (`Generated`); the
CUDA backend gives a folder's files (`CudaModule.files`, name -> text; `.write(folder)`).
Backends are looked up by name, imported lazily. Every backend answers the same question about
a layer kind, `lowering_for(kind)` / `supports(kind)` (codegen/lowering.py), so a test can walk
the layer registry and ask each backend."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from cnncalc.errors import UsageError

if TYPE_CHECKING:
    from cnncalc.analysis.engine import Report
    from cnncalc.codegen.cuda import CudaModule
    from cnncalc.codegen.lowering import Refusal
    from cnncalc.layers.base import Layer


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of the generated forward: lines first..last (1-based, in the file), the
    variable it assigns and the layer whose value that is."""

    first: int
    last: int
    variable: str
    layer: str


@dataclass
class Generated:
    """A generated source file and where each of cnncalc's layers lives in it."""

    code: str
    class_name: str
    modules: dict[str, str]  # layer name -> module path in the class (for get_submodule)
    statements: list[Statement]  # forward's statements, in order
    renamed: dict[str, str] = field(default_factory=dict)  # layer -> path, where they differ
    helpers: tuple[str, ...] = ()  # helper classes copied into the file


class Backend(Protocol):
    name: str

    def generate(self, report: Report, **options: Any) -> Generated | CudaModule:
        """Source for the report; `options` are the backend's own (`OPTIONS`), checked by
        `options()` so a misspelt one is a usage error, not ignored."""
        ...

    def lowering_for(self, kind: type[Layer]) -> Callable[..., object] | Refusal:
        """What lowers layers of this class here, or why nothing does."""
        ...

    def supports(self, kind: type[Layer]) -> Literal[True] | str:
        """True, or the reason the backend cannot generate this kind (its E301)."""
        ...


# backend name -> "module:attribute"; imported only when asked for
BACKENDS = {"torch": "cnncalc.codegen.pytorch:PyTorch", "cuda": "cnncalc.codegen.cuda:Cuda"}


def options(name: str, given: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """A backend's options: `defaults` updated from `given`; an option it does not take is a
    UsageError naming the ones it does."""
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise UsageError(
            f"the {name} code generator has no option {unknown[0]!r}; "
            f"its options: {', '.join(defaults) or 'none'}"
        )
    return {**defaults, **given}


def backend(name: str) -> Backend:
    if name not in BACKENDS:
        raise UsageError(f"unknown code generator {name!r}; one of: {', '.join(BACKENDS)}")
    module, attr = BACKENDS[name].split(":")
    made: Backend = getattr(importlib.import_module(module), attr)()
    return made
