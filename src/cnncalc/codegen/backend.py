"""What a code generator is: a report in, generated source out. The torch backend gives one
file plus the map a checker needs to find each of cnncalc's layers in it (`Generated`); the
CUDA backend gives a folder's files (`CudaModule.files`, name -> text; `.write(folder)`).
Backends are looked up by name, imported lazily."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from cnncalc.errors import UsageError

if TYPE_CHECKING:
    from cnncalc.analysis.engine import Report
    from cnncalc.codegen.cuda import CudaModule


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

    def generate(self, report: Report, line_length: int = 88) -> Generated | CudaModule: ...


# backend name -> "module:attribute"; imported only when asked for
BACKENDS = {"torch": "cnncalc.codegen.pytorch:PyTorch", "cuda": "cnncalc.codegen.cuda:Cuda"}


def backend(name: str) -> Backend:
    if name not in BACKENDS:
        raise UsageError(f"unknown code generator {name!r}; one of: {', '.join(BACKENDS)}")
    module, attr = BACKENDS[name].split(":")
    made: Backend = getattr(importlib.import_module(module), attr)()
    return made
