"""How a backend finds its lowering for a layer kind: one lookup for every backend.

A backend answers `lowering_for(kind)` (the lowering, or a `Refusal` saying why there is none)
and `supports(kind)` (True, or that reason) for a layer class (codegen/backend.py). The torch
backend's lowering is the layer's own `torch_module`/`torch_forward`; a backend whose
lowerings live beside it keeps them in a `Lowerings` registry:

    LOWERINGS: Lowerings[Lowering] = Lowerings("CUDA", "cnncalc.codegen.cuda.ops")
    lowers = LOWERINGS.lowers

    @lowers(Conv)                 # in any module of that package: found, not listed
    def conv(ctx, layer, ...): ...

    LOWERINGS.refuses(SomeKind, reason="...", hint="...")  # an explicit no (an E301)

Lookup follows the class's MRO, so a subclass (GlobalPool) takes its base's lowering
(AdaptivePool) unless it registers its own. Nothing here imports a backend.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

if TYPE_CHECKING:
    from cnncalc.layers.base import Layer

F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class Refusal:
    """No lowering for a kind. `reason` is empty where nothing is registered for it; a backend
    that refuses a kind on purpose says why (and what to do instead, `hint`)."""

    reason: str = ""
    hint: str = ""


def supported(found: object) -> Literal[True] | str:
    """`supports`' answer from `lowering_for`'s."""
    if isinstance(found, Refusal):
        return found.reason or "no lowering is registered for it"
    return True


class Lowerings(Generic[F]):
    """Lowerings keyed by layer class, registered by decorators in the modules of `package`;
    those modules are imported (all of them, found with pkgutil) at the first lookup."""

    def __init__(self, backend: str, package: str) -> None:
        self.backend = backend
        self.package = package
        self.entries: dict[type[Layer], F | Refusal] = {}
        self._loaded = False

    def lowers(self, *classes: type[Layer]) -> Callable[[F], F]:
        """Decorator: `fn` lowers these layer classes (and their subclasses)."""

        def register(fn: F) -> F:
            for cls in classes:
                self._add(cls, fn)
            return fn

        return register

    def refuses(self, *classes: type[Layer], reason: str, hint: str = "") -> None:
        """These layer classes are not supported, on purpose: say why."""
        for cls in classes:
            self._add(cls, Refusal(reason, hint))

    def _add(self, cls: type[Layer], entry: F | Refusal) -> None:
        old = self.entries.get(cls)
        # a module imported twice (importlib.reload) registers the same function again
        if old is not None and _where(old) != _where(entry):
            raise RuntimeError(f"two {self.backend} lowerings for {cls.__name__}")
        self.entries[cls] = entry

    def load(self) -> None:
        """Import every module of the package (each registers its lowerings)."""
        if self._loaded:
            return
        package = importlib.import_module(self.package)
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{self.package}.{info.name}")
        self._loaded = True

    def lowering_for(self, kind: type[Layer]) -> F | Refusal:
        """The lowering registered for `kind` or its nearest base class."""
        self.load()
        for cls in kind.__mro__:
            if cls in self.entries:
                return self.entries[cls]
        return Refusal()

    def supports(self, kind: type[Layer]) -> Literal[True] | str:
        return supported(self.lowering_for(kind))


def _where(entry: object) -> object:
    if isinstance(entry, Refusal):
        return entry
    return (getattr(entry, "__module__", None), getattr(entry, "__qualname__", None))
