"""Type name -> layer model.

Adding a layer kind = adding its module to MODULES with the type names it defines.

A spec imports only the modules of the kinds it uses: importing all of them is ~15 ms of a
0.2 s `cnncalc params` (docs/performance.md). MODULES therefore repeats each module's TYPES;
tests/core/test_registry.py fails when the two disagree.
"""

from __future__ import annotations

import difflib
import importlib
from functools import cache
from typing import Any

from cnncalc.layers.base import Layer

# module in cnncalc.layers -> the canonical type names its Layer subclasses declare in TYPES
MODULES: dict[str, tuple[str, ...]] = {
    "activations": (
        *("elu", "gelu", "hardsigmoid", "hardswish", "leakyrelu", "logsoftmax", "mish"),
        *("prelu", "relu", "relu6", "scaled_tanh", "selu", "sigmoid", "silu", "softmax"),
        *("softplus", "tanh"),
    ),
    "adaptive_pool": (
        *("adaptiveavgpool1d", "adaptiveavgpool2d", "adaptiveavgpool3d"),
        *("adaptivemaxpool1d", "adaptivemaxpool2d", "adaptivemaxpool3d"),
        *("globalavgpool1d", "globalavgpool2d", "globalavgpool3d"),
        *("globalmaxpool1d", "globalmaxpool2d", "globalmaxpool3d"),
    ),
    "channel_shuffle": ("channelshuffle",),
    "conv": ("conv1d", "conv2d", "conv3d"),
    "conv_transpose": ("convtranspose1d", "convtranspose2d", "convtranspose3d"),
    "dropout": ("alphadropout", "dropout", "dropout1d", "dropout2d", "dropout3d"),
    "flatten": ("flatten",),
    "identity": ("identity",),
    "linear": ("linear",),
    "merge": ("add", "cat", "concat", "mul"),
    "norm_batch": ("batchnorm1d", "batchnorm2d", "batchnorm3d"),
    "norm_group": ("groupnorm",),
    "norm_instance": ("instancenorm1d", "instancenorm2d", "instancenorm3d"),
    "norm_layer": ("layernorm",),
    "norm_layer2d": ("layernorm2d",),
    "norm_lrn": ("localresponsenorm",),
    "pad": (
        *("constantpad1d", "constantpad2d", "constantpad3d"),
        *("zeropad1d", "zeropad2d", "zeropad3d"),
    ),
    "permute": ("permute", "transpose"),
    "pool": ("avgpool1d", "avgpool2d", "avgpool3d", "maxpool1d", "maxpool2d", "maxpool3d"),
    "rbf": ("rbf",),
    "reduce": ("mean", "sum", "amax"),
    "reshape": ("reshape", "view"),
    "roll": ("roll",),
    "select": ("narrow", "select"),
    "split": ("chunk", "split"),
    "stochastic_depth": ("stochasticdepth",),
    "subsample": ("subsample1d", "subsample2d", "subsample3d"),
    "unflatten": ("unflatten",),
    "upsample": ("upsample", "upsamplingbilinear2d", "upsamplingnearest2d"),
    "attention": ("multiheadattention",),
    "matmul": ("matmul",),
    "swin_attention": ("shiftedwindowattention",),
    "swin_attention3d": ("shiftedwindowattention3d",),
    "relative_position_bias": ("relativepositionbias",),
    "swin_attention_v2": ("shiftedwindowattentionv2",),
    "pixel_shuffle": ("pixelshuffle", "pixelunshuffle"),
    "parameter": ("parameter",),
    "conv_heads": ("headwiseconv3d",),
    "multiscale_attention": ("multiscaleattention",),
    "positional_encoding": ("positionalencoding",),
}
LAYER_MODULES = tuple(MODULES)


def normalize(type_name: str) -> str:
    """Spelling-insensitive key: 'max_pool2d', 'MaxPool2d' and 'maxpool2d' are one type."""
    return type_name.replace("_", "").replace("-", "").lower()


def _subclasses(cls: type[Layer]) -> list[type[Layer]]:
    out: list[type[Layer]] = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


# normalized type name -> its module
_MODULE_OF = {normalize(t): mod for mod, names in MODULES.items() for t in names}


@cache
def types() -> dict[str, tuple[type[Layer], str]]:
    """normalized name -> (model class, canonical type name), every kind imported."""
    for mod in LAYER_MODULES:
        importlib.import_module(f"cnncalc.layers.{mod}")
    table: dict[str, tuple[type[Layer], str]] = {}
    for cls in _subclasses(Layer):
        for t in cls.TYPES:
            key = normalize(t)
            if key in table and table[key][0] is not cls:
                raise RuntimeError(f"layer type {t!r} defined twice")
            table[key] = (cls, t)
    return table


def canonical_names() -> list[str]:
    return sorted({t for names in MODULES.values() for t in names})


@cache
def _find(key: str) -> tuple[type[Layer], str] | None:
    """Import the one module that defines the type `key` and take its class."""
    mod = _MODULE_OF.get(key)
    if mod is None:
        return None
    module = f"cnncalc.layers.{mod}"
    importlib.import_module(module)
    for cls in _subclasses(Layer):
        if cls.__module__ == module:
            for t in cls.TYPES:
                if normalize(t) == key:
                    return cls, t
    raise RuntimeError(f"{module} defines no layer type {key!r}: MODULES is out of date")


def lookup(type_name: str) -> tuple[type[Layer], str] | None:
    return _find(normalize(type_name))


def close_matches(word: str, choices: list[str]) -> list[str]:
    return difflib.get_close_matches(word, choices, n=3, cutoff=0.6)


def suggest(word: str, choices: list[str]) -> str:
    """A 'did you mean' hint, or ''."""
    close = difflib.get_close_matches(word, choices, n=3, cutoff=0.6)
    if not close:
        low = normalize(word)
        close = [c for c in choices if normalize(c) == low or low in normalize(c)][:3]
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def build_activation(value: object) -> Layer:
    """Validate the `activation:` shorthand: a name or a mapping with `type`."""
    from cnncalc.layers.activations import Activation

    data: dict[str, Any]
    if isinstance(value, str):
        data = {"type": value}
    elif isinstance(value, dict) and isinstance(value.get("type"), str):
        data = dict(value)
    else:
        raise ValueError("must be an activation name such as relu, or a mapping with a 'type'")
    found = lookup(data["type"])
    if found is None or not issubclass(found[0], Activation):
        names = [t for c, t in types().values() if issubclass(c, Activation)]
        hint = suggest(data["type"], names)
        raise ValueError(
            f"unknown activation {data['type']!r}"
            + (f"; {hint}" if hint else "")
            + f" (one of: {', '.join(sorted(names))})"
        )
    data["type"] = found[1]
    return found[0].model_validate(data)
