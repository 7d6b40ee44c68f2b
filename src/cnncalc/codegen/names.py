"""The one place where spec text becomes Python names.

Every identifier in generated code (the class, module attributes, dictionary keys, local
variables) comes from a `Namespace`: ASCII letters, digits and `_`, never a keyword, a builtin,
a name the namespace reserves (torch's own module attributes: a layer named `train` must not
hide `nn.Module.train`) or a name it gave out before. Spec text that is not an identifier is
reduced to one (`x); import os; (` becomes `x_import_os`), so nothing from the spec reaches the
generated code except as a checked identifier.
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

MAX_LENGTH = 32  # longer names are cut, so generated lines keep their shape

# Attributes of nn.Module, nn.ModuleDict, nn.ModuleList and nn.Sequential instances (torch 2.x):
# a child module may not take these names. tests/codegen checks this list against torch.
MODULE_ATTRIBUTES = frozenset(
    """T_destination add_module append apply bfloat16 buffers call_super_init children clear
    compile cpu cuda double dump_patches eval extend extra_repr float forward get_buffer
    get_extra_state get_parameter get_submodule half insert ipu items keys load_state_dict
    modules mtia named_buffers named_children named_modules named_parameters parameters pop
    register_backward_hook register_buffer register_forward_hook register_forward_pre_hook
    register_full_backward_hook register_full_backward_pre_hook
    register_load_state_dict_post_hook register_load_state_dict_pre_hook register_module
    register_parameter register_state_dict_post_hook register_state_dict_pre_hook
    requires_grad_ set_extra_state set_submodule share_memory state_dict to to_empty train
    training type update values xpu zero_grad""".split()  # noqa: SIM905
)
PYTHON_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))

Style = Literal["keep", "lower", "pascal"]
_NOT_WORD = re.compile(r"[^A-Za-z0-9]+")


def identifier(text: str, style: Style = "keep", fallback: str = "layer") -> str:
    """A legal Python identifier made from any text (not yet checked against a namespace)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = [w for w in _NOT_WORD.split(ascii_text) if w]
    if style == "pascal":
        name = "".join(w[0].upper() + w[1:] for w in words)
    else:
        name = "_".join(words)
        if style == "lower":
            name = name.lower()
    if not name:
        name = fallback
    elif name[0].isdigit():
        name = f"{fallback}{'' if style == 'pascal' else '_'}{name}"
    return name[:MAX_LENGTH].rstrip("_")


def is_plain(text: str) -> bool:
    """Whether text is already a usable identifier as it stands (no change needed)."""
    return (
        text.isidentifier()
        and text.isascii()
        and not text.startswith("_")
        and len(text) <= MAX_LENGTH
    )


class Namespace:
    """Hands out unique identifiers; never a reserved or Python-defined name."""

    def __init__(self, reserved: Iterable[str] = (), *, attributes: bool = False) -> None:
        # attribute names (self.max) cannot shadow builtins; only keywords are out of bounds
        python = frozenset(keyword.kwlist) if attributes else PYTHON_NAMES
        self.taken: set[str] = set(python) | set(reserved)

    def create(self, text: str, style: Style = "keep", fallback: str = "layer") -> str:
        base = text if style == "keep" and is_plain(text) else identifier(text, style, fallback)
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}{n}" if style == "pascal" else f"{base}_{n}"
        self.taken.add(name)
        return name
