"""Hypothesis strategies for random valid specs: sequential nets over every layer kind codegen
lowers, graphs with shortcuts, concatenations and splits, and specs with blocks, groups and
repeat. Shapes stay consistent because each candidate layer is validated against cnncalc's
own layer model for the shape at hand (the proof then compares cnncalc with torch)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from pydantic import ValidationError

from cnncalc.errors import LayerError
from cnncalc.layers import registry
from cnncalc.layers.base import Layer

Shape = tuple[int, ...]
Spec = dict[str, Any]

ACTIVATIONS = [
    "relu", "relu6", "leakyrelu", "elu", "gelu", "silu", "hardswish", "hardsigmoid", "sigmoid",
    "tanh", "mish", "softplus", "selu", "scaled_tanh",
]  # fmt: skip
KEYS = {1: ("features",), 2: ("channels", "length"), 3: ("channels", "height", "width"),
        4: ("channels", "depth", "height", "width")}  # fmt: skip


def outcome(layer: dict[str, Any], inputs: list[Shape]) -> Shape | None:
    """The layer's output shape as cnncalc computes it, or None if cnncalc refuses it."""
    found = registry.lookup(layer["type"])
    assert found is not None, layer
    try:
        model: Layer = found[0].model_validate({**layer, "type": found[1]})
        if model.activation is not None and not model.SHORTHAND_ACTIVATION:
            return None  # the loader refuses an activation after an activation
        y = model.infer(inputs)
        model.counts(inputs, y)
        if model.activation is not None:
            y = model.activation.infer([y])
    except (ValidationError, LayerError, ValueError, TypeError, ArithmeticError):
        return None
    assert all(isinstance(d, int) for d in y)
    return tuple(int(d) for d in y)


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


@st.composite
def spatial_layer(draw: st.DrawFn, x: Shape) -> dict[str, Any]:
    """A candidate layer for a C×(n spatial) input (may still be refused: it is checked)."""
    c, n = x[0], len(x) - 1
    k = draw(st.integers(1, 3))
    kind = draw(st.sampled_from([
        "conv", "conv", "conv", "table", "convtranspose", "maxpool", "avgpool", "adaptive",
        "global", "batchnorm", "groupnorm", "layernorm", "activation", "prelu", "softmax",
        "dropout", "pad", "upsample", "subsample", "identity", "channelshuffle",
        "stochasticdepth", "flatten", "instancenorm",
        "multiheadattention",
        "localresponsenorm", "layernorm2d",
        "permute", "reduce", "roll", "select",
        "shiftedwindowattention",
        "pixelshuffle", "pixelunshuffle",
        "parameter", "relativepositionbias", "shiftedwindowattention3d",
        "positionalencoding",
    ]))  # fmt: skip
    if kind in ("conv", "table"):
        groups = 1 if kind == "table" else draw(st.sampled_from(divisors(c)))
        out = groups * draw(st.integers(1, max(1, 6 // groups)))
        layer: dict[str, Any] = {"type": f"conv{n}d", "out_channels": out, "kernel_size": k}
        if kind == "table":
            rows = draw(
                st.lists(st.sets(st.integers(0, c - 1), min_size=1), min_size=1, max_size=6)
            )
            layer |= {"out_channels": len(rows), "connection_table": [sorted(r) for r in rows]}
        elif groups > 1:
            layer["groups"] = groups
        stride = draw(st.integers(1, 2))
        layer |= {"stride": stride} if stride > 1 else {}
        layer |= {"dilation": 2} if draw(st.integers(0, 4)) == 0 else {}
        padding = draw(st.sampled_from([0, 1, "valid", "same", "tf_same", "pairs", [1]]))
        if padding == "pairs":
            padding = [[draw(st.integers(0, 2)), draw(st.integers(0, 2))] for _ in range(n)]
        layer["padding"] = padding
        if draw(st.integers(0, 4)) == 0:
            layer["padding_mode"] = draw(st.sampled_from(["reflect", "replicate", "circular"]))
        layer |= {"bias": False} if draw(st.booleans()) else {}
        return layer
    if kind == "convtranspose":
        stride = draw(st.integers(1, 2))
        return {"type": f"convtranspose{n}d", "out_channels": draw(st.integers(1, 5)),
                "kernel_size": k, "stride": stride, "padding": draw(st.integers(0, 1)),
                "output_padding": draw(st.integers(0, stride - 1))}  # fmt: skip
    if kind in ("maxpool", "avgpool"):
        layer = {"type": f"{kind}{n}d", "kernel_size": k, "padding": draw(st.integers(0, k // 2)),
                 "ceil_mode": draw(st.booleans())}  # fmt: skip
        if draw(st.booleans()):
            layer["stride"] = draw(st.integers(1, 2))
        if kind == "maxpool" and draw(st.booleans()):
            layer["dilation"] = 2
        if kind == "avgpool" and draw(st.booleans()):
            layer["count_include_pad"] = False
        return layer
    if kind == "adaptive":
        op = draw(st.sampled_from(["avg", "max"]))
        sizes = [draw(st.one_of(st.none(), st.integers(1, 4))) for _ in range(n)]
        return {"type": f"adaptive{op}pool{n}d", "output_size": sizes if draw(st.booleans()) else 2}
    if kind == "global":
        return {"type": f"global{draw(st.sampled_from(['avg', 'max']))}pool{n}d"}
    if kind == "batchnorm":
        layer = {"type": f"batchnorm{n}d"}
        layer |= {"affine": False} if draw(st.booleans()) else {}
        layer |= {"track_running_stats": False} if draw(st.integers(0, 3)) == 0 else {}
        return layer
    if kind == "instancenorm":  # torch's defaults: neither affine nor running statistics
        layer = {"type": f"instancenorm{n}d"}
        layer |= {"affine": True} if draw(st.booleans()) else {}
        layer |= {"track_running_stats": True} if draw(st.integers(0, 3)) == 0 else {}
        return layer
    if kind == "groupnorm":
        return {"type": "groupnorm", "num_groups": draw(st.sampled_from(divisors(c))),
                "affine": draw(st.booleans())}  # fmt: skip
    if kind == "layernorm":
        return {"type": "layernorm", "normalized_shape": list(x[-draw(st.integers(1, n)) :]),
                "elementwise_affine": draw(st.booleans())}  # fmt: skip
    if kind == "activation":
        return {"type": draw(st.sampled_from(ACTIVATIONS))}
    if kind == "prelu":
        return {"type": "prelu", "num_parameters": draw(st.sampled_from([1, c]))}
    if kind == "softmax":
        return {
            "type": draw(st.sampled_from(["softmax", "logsoftmax"])),
            "dim": draw(st.integers(1, n + 1)),
        }
    if kind == "dropout":
        return {
            "type": draw(st.sampled_from(["dropout", f"dropout{n}d", "alphadropout"])),
            "p": 0.25,
        }
    if kind == "pad":
        sides = [draw(st.integers(-1, 2)) for _ in range(2 * n)]
        if draw(st.booleans()):
            return {"type": f"zeropad{n}d", "padding": sides}
        return {"type": f"constantpad{n}d", "padding": sides, "value": 0.5}
    if kind == "upsample":
        if draw(st.booleans()):
            return {"type": "upsample", "size": draw(st.integers(1, 9))}
        mode = draw(st.sampled_from(["nearest", {1: "linear", 2: "bilinear", 3: "trilinear"}[n]]))
        return {
            "type": "upsample",
            "scale_factor": draw(st.sampled_from([2, 1.5, 0.5])),
            "mode": mode,
        }
    if kind == "subsample":
        return {
            "type": f"subsample{n}d",
            "kernel_size": draw(st.integers(1, 2)),
            "bias": draw(st.booleans()),
        }
    if kind == "channelshuffle":
        return {"type": "channelshuffle", "groups": draw(st.sampled_from(divisors(c)))}
    if kind == "stochasticdepth":
        return {
            "type": "stochasticdepth",
            "p": 0.5,
            "mode": draw(st.sampled_from(["row", "batch"])),
        }
    if kind == "flatten":
        return {"type": "flatten"}
    if kind == "multiheadattention":  # self-attention over an L×E input (refused at other ranks)
        e = x[-1]
        return {
            "type": "multiheadattention",
            "embed_dim": e,
            "num_heads": draw(st.sampled_from(divisors(e))),
            "batch_first": True,
            "bias": draw(st.booleans()),
            "add_bias_kv": draw(st.integers(0, 3)) == 0,
            "add_zero_attn": draw(st.integers(0, 3)) == 0,
        }
    if kind == "layernorm2d" and n == 2:  # torchvision's: C×H×W only
        return {"type": "layernorm2d", "eps": 1e-6, "bias": draw(st.booleans())}
    if kind == "localresponsenorm":
        return {"type": "localresponsenorm", "size": draw(st.integers(1, 4)), "k": 2.0}
    if kind == "select":  # along a spatial axis, at positions every allowed size has
        dim = draw(st.integers(2, n + 1))
        if n > 1 and draw(st.booleans()):
            return {"type": "select", "dim": dim, "index": draw(st.sampled_from([0, -1]))}
        return {"type": "narrow", "dim": dim, "start": draw(st.sampled_from([0, 1, -2])),
                "length": draw(st.integers(1, 2))}  # fmt: skip
    if kind == "roll":
        dims = draw(st.lists(st.integers(1, n + 1), min_size=1, max_size=n + 1))
        shifts = [draw(st.integers(-7, 7)) for _ in dims]
        if len(dims) == 1 and draw(st.booleans()):
            return {"type": "roll", "shifts": shifts[0], "dims": dims[0]}
        return {"type": "roll", "shifts": shifts, "dims": dims}
    if kind == "reduce":  # over spatial axes, kept: channels stay first
        axes = draw(st.sets(st.integers(2, n + 1), min_size=1))
        dim = sorted(axes) if len(axes) > 1 or draw(st.booleans()) else axes.pop()
        return {"type": draw(st.sampled_from(["mean", "sum", "amax"])), "dim": dim,
                "keepdim": True}  # fmt: skip
    if kind == "permute":  # spatial axes only: channels stay first for the layers after it
        if draw(st.booleans()):
            spatial = draw(st.permutations(range(2, n + 2)))
            return {"type": "permute", "dims": [0, 1, *spatial]}
        a, b = draw(st.integers(2, n + 1)), draw(st.integers(-n, -1))
        return {"type": "transpose", "dim0": a, "dim1": b}
    if kind == "shiftedwindowattention" and n == 2:  # torchvision's Swin: an H×W×C input
        window = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
        return {
            "type": "shiftedwindowattention",
            "window_size": window,
            "shift_size": [draw(st.integers(0, k - 1)) for k in window],
            "num_heads": draw(st.sampled_from(divisors(x[-1]))),
            "qkv_bias": draw(st.booleans()),
            "proj_bias": draw(st.booleans()),
        }
    if kind == "relativepositionbias" and n >= 2 and x[-1] == x[-2]:  # MaxViT: …×heads×N×N
        wh = draw(st.sampled_from(divisors(x[-1])))
        scale = {"scale": draw(st.sampled_from([0.5, 2.0]))} if draw(st.booleans()) else {}
        return {"type": "relativepositionbias", "window_size": [wh, x[-1] // wh], **scale}
    if kind == "shiftedwindowattention3d" and n == 3:  # Video Swin: a T×H×W×C input
        window = [draw(st.integers(1, 3)) for _ in range(3)]
        return {
            "type": "shiftedwindowattention3d",
            "window_size": window,
            "shift_size": [draw(st.integers(0, k - 1)) for k in window],
            "num_heads": draw(st.sampled_from(divisors(x[-1]))),
            "qkv_bias": draw(st.booleans()),
            "proj_bias": draw(st.booleans()),
        }
    if kind == "positionalencoding" and n == 1:  # MViT: tokens × C, a T×H×W grid of tokens
        t = draw(st.sampled_from(divisors(c)))
        h = draw(st.sampled_from(divisors(c // t)))
        return {"type": "positionalencoding", "grid": [t, h, c // t // h],
                "rel_pos_embed": draw(st.booleans())}  # fmt: skip
    if kind == "pixelshuffle" and n == 2:  # C×H×W only; a factor that does not divide: dropped
        return {"type": "pixelshuffle", "upscale_factor": draw(st.integers(1, 2))}
    if kind == "pixelunshuffle" and n == 2:
        return {"type": "pixelunshuffle", "downscale_factor": draw(st.integers(1, 2))}
    if kind == "parameter":  # ConvNeXt's layer_scale, ViT's position embedding, class token
        return parameter_layer(draw, x)
    return {"type": "identity"}


@st.composite
def swin_v2_pair(
    draw: st.DrawFn, name: str, src_name: str, src: Shape, last: str
) -> tuple[list[dict[str, Any]], list[tuple[str, Shape]]] | None:
    """shiftedwindowattentionv2 on an H×W×C value, its bias table (torchvision's cpb_mlp
    output) a `parameter` alone before it: the layers and the attention's (name, shape), or
    None. The table is no value later layers read or the network outputs: torch holds it at
    batch 1 whatever the batch."""
    window = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    heads = draw(st.sampled_from(divisors(src[-1])))
    size = [1, 2 * window[0] - 1, 2 * window[1] - 1, heads]
    table: dict[str, Any] = {"name": f"{name}t", "type": "parameter", "op": "alone",
                             "size": size, "buffer": draw(st.booleans())}  # fmt: skip
    if src_name != last or "." in src_name:
        table["from"] = src_name
    attn = {
        "name": name,
        "type": "shiftedwindowattentionv2",
        "from": [src_name, table["name"]],
        "window_size": window,
        "shift_size": [draw(st.integers(0, k - 1)) for k in window],
        "num_heads": heads,
        "qkv_bias": draw(st.booleans()),
    }
    t = outcome(table, [src])
    y = outcome(attn, [src, t]) if t is not None else None
    if t is None or y is None:
        return None
    return [table, attn], [(name, y)]


@st.composite
def mvit_pool(
    draw: st.DrawFn, name: str, src_name: str, src: Shape
) -> tuple[list[dict[str, Any]], list[tuple[str, Shape]]] | None:
    """headwiseconv3d as MViT's Pool applies it: the channels of a C×T×H×W value split into
    heads (unflatten), the heads' convolution, the heads joined again (flatten): the layers
    and the last one's (name, shape), or None."""
    heads = draw(st.sampled_from(divisors(src[0])))
    groups = draw(st.sampled_from(divisors(src[0] // heads)))
    k, s = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    split = {"name": f"{name}u", "type": "unflatten", "from": src_name, "dim": 1,
             "unflattened_size": [heads, src[0] // heads]}  # fmt: skip
    out = groups * draw(st.integers(1, 2))
    conv = {"name": name, "type": "headwiseconv3d", "out_channels": out, "kernel_size": k,
            "stride": s, "padding": k // 2, "groups": groups,
            "bias": draw(st.booleans())}  # fmt: skip
    join = {"name": f"{name}f", "type": "flatten", "start_dim": 1, "end_dim": 2}
    u = outcome(split, [src])
    y = outcome(conv, [u]) if u is not None else None
    z = outcome(join, [y]) if y is not None else None
    if z is None:
        return None
    return [split, conv, join], [(join["name"], z)]


@st.composite
def mvit_attention(
    draw: st.DrawFn, name: str, src_name: str, src: Shape
) -> tuple[list[dict[str, Any]], list[tuple[str, Shape]]] | None:
    """multiscaleattention on q, k, v `parameter`s alone read from a value (as swin_v2_pair's
    table is), then an identity of that value: the layers and the identity's (name, shape), or
    None. The attention, at batch 1 whatever the batch, is no value later layers read or the
    network outputs."""
    t, h, w = (draw(st.integers(1, 3)) for _ in range(3))
    sq, skv = (draw(st.integers(1, min(h, w, 2))) for _ in range(2))
    kq, kkv = (draw(st.sampled_from([1, 3])) for _ in range(2))
    heads, d = draw(st.integers(1, 2)), draw(st.integers(2, 3))

    def positions(k: int, s: int) -> int:
        return t * ((h + 2 * (k // 2) - k) // s + 1) * ((w + 2 * (k // 2) - k) // s + 1)

    tokens = [positions(kq, sq) + 1, *[positions(kkv, skv) + 1] * 2]
    made: list[dict[str, Any]] = [
        {"name": f"{name}{p}", "type": "parameter", "op": "alone", "from": src_name,
         "size": [1, heads, n, d], "buffer": draw(st.booleans())}
        for p, n in zip("qkv", tokens, strict=True)
    ]  # fmt: skip
    attn = {"name": name, "type": "multiscaleattention", "from": [m["name"] for m in made],
            "input_size": [t, h, w], "kernel_q": [1, kq, kq], "stride_q": [1, sq, sq],
            "kernel_kv": [1, kkv, kkv], "stride_kv": [1, skv, skv],
            "rel_pos": draw(st.booleans()), "residual_pool": draw(st.booleans())}  # fmt: skip
    if outcome(attn, [(heads, n, d) for n in tokens]) is None:
        return None
    after = {"name": f"{name}i", "type": "identity", "from": src_name}
    return [*made, attn, after], [(after["name"], src)]


def parameter_layer(draw: st.DrawFn, x: Shape) -> dict[str, Any]:
    op = draw(st.sampled_from(["mul", "add", "concat"]))
    layer: dict[str, Any] = {"type": "parameter", "op": op, "trainable": draw(st.booleans())}
    if op == "mul":  # one scale per channel, or per element
        per_channel = [x[0]] + [1] * (len(x) - 1)
        return layer | {"size": draw(st.sampled_from([per_channel, list(x)]))}
    if op == "add":
        return layer | {"size": [1, *x] if draw(st.booleans()) else list(x)}
    a = draw(st.integers(1, len(x) - 1))  # a spatial axis: channels stay the layers' own
    size = [1, *x[:a], draw(st.integers(1, 3)), *x[a + 1 :]]
    return layer | {"size": size, "dim": a + 1}


@st.composite
def flat_layer(draw: st.DrawFn, x: Shape) -> dict[str, Any]:
    kind = draw(st.sampled_from(["linear", "linear", "rbf", "batchnorm", "layernorm", "activation",
                                 "dropout", "reshape", "identity", "softmax",
                                 "unflatten"]))  # fmt: skip
    if kind == "linear":
        return {
            "type": "linear",
            "out_features": draw(st.integers(1, 12)),
            "bias": draw(st.booleans()),
        }
    if kind == "rbf":
        return {
            "type": "rbf",
            "out_features": draw(st.integers(1, 6)),
            "trainable": draw(st.booleans()),
        }
    if kind == "batchnorm":
        return {"type": "batchnorm1d"}
    if kind == "layernorm":
        return {"type": "layernorm", "normalized_shape": x[0]}
    if kind == "activation":
        return {"type": draw(st.sampled_from([*ACTIVATIONS, "prelu"]))}
    if kind == "dropout":
        return {"type": "dropout", "p": 0.1}
    if kind == "softmax":
        return {"type": "softmax", "dim": 1}
    if kind == "reshape":
        f = x[0]
        a = draw(st.sampled_from(divisors(f)))
        return {"type": "reshape", "shape": [a, -1] if draw(st.booleans()) else [a, f // a]}
    if kind == "unflatten":
        f = x[0]
        a = draw(st.sampled_from(divisors(f)))
        sizes = [a, -1] if draw(st.booleans()) else [a, f // a]
        return {
            "type": "unflatten",
            "dim": draw(st.sampled_from([1, -1])),
            "unflattened_size": sizes,
        }
    return {"type": "identity"}


def shorthand(draw: st.DrawFn, layer: dict[str, Any]) -> dict[str, Any]:
    """Sometimes an `activation:` after the layer."""
    if layer["type"] not in ACTIVATIONS and draw(st.integers(0, 3)) == 0:
        return {
            **layer,
            "activation": draw(st.sampled_from(["relu", "sigmoid", "scaled_tanh", "gelu"])),
        }
    return layer


@st.composite
def input_shape(draw: st.DrawFn) -> Shape:
    n = draw(st.sampled_from([1, 2, 2, 2, 3]))
    c = draw(st.integers(1, 4))
    low, high = {1: (6, 16), 2: (4, 10), 3: (3, 5)}[n]
    return (c, *(draw(st.integers(low, high)) for _ in range(n)))


@st.composite
def networks(draw: st.DrawFn, graph: bool) -> Spec:
    """A sequential net (graph=False) or a graph: layers may read any earlier value, add/mul
    and concat merge values, chunk/split fan out."""
    x = draw(input_shape())
    values: list[tuple[str, Shape]] = [("input", x)]
    layers: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 8))):
        name = f"L{i}"
        src_name, src = values[-1]
        if graph and len(values) > 1 and draw(st.booleans()):
            src_name, src = draw(st.sampled_from(values))
        roll = draw(st.integers(0, 9)) if graph else 9
        if roll <= 2:  # a merge of values of one shape (add, mul) or one spatial size (concat)
            if roll < 2:
                same = [v for v, s in values if s == src]
                kind = draw(st.sampled_from(["add", "mul", "matmul"]))
                if kind == "matmul":  # src @ a value whose rows match src's columns
                    rows = [v for v, s in values if len(s) == len(src) and s[-2:-1] == src[-1:]]
                    if len(src) >= 2 and rows:
                        same = [src_name, draw(st.sampled_from(rows))]
                    else:
                        kind = "add"
            else:
                same = [v for v, s in values if len(s) == len(src) and s[1:] == src[1:]]
                kind = "concat"
            picked = draw(st.lists(st.sampled_from(same), min_size=2, max_size=3))
            picked = same if kind == "matmul" else picked
            layer: dict[str, Any] = {"name": name, "type": kind, "from": picked}
            shapes = [dict(values)[p] for p in picked]
            if draw(st.integers(0, 3)) == 0:
                layer["activation"] = "relu"
            y = outcome(layer, shapes)
            if y is not None:
                layers.append(layer)
                values.append((name, y))
            continue
        if roll == 4 and len(src) == 3:  # Swin v2's attention: its bias table, then the layer
            pair = draw(swin_v2_pair(name, src_name, src, values[-1][0]))
            if pair is not None:
                layers += pair[0]
                values += pair[1]
                continue
        if roll == 4 and len(src) in (2, 4):  # MViT: a pool over heads, or attention's core
            made = draw((mvit_pool if len(src) == 4 else mvit_attention)(name, src_name, src))
            if made is not None:
                layers += made[0]
                values += made[1]
                continue
        if roll == 3 and len(src) >= 2:  # chunk or split along channels, then read a piece
            c = src[0]
            if c >= 2:
                k = draw(st.integers(2, min(3, c)))
                sections = [1] * (k - 1) + [c - (k - 1)]
                layer = {"name": name, "type": "chunk", "chunks": k} if draw(st.booleans()) else {
                    "name": name, "type": "split", "sections": sections}  # fmt: skip
                if src_name != values[-1][0] or "." in src_name:
                    layer["from"] = src_name
                pieces = [(f"{name}.{p}", outcome({**layer, "piece": p}, [src])) for p in range(k)]
                if all(s is not None for _, s in pieces):
                    layers.append(layer)
                    values += [(p, s) for p, s in pieces if s is not None]
                    continue
        for _ in range(20):  # candidates until cnncalc accepts one
            made = draw(spatial_layer(src) if len(src) >= 2 else flat_layer(src))
            layer = {"name": name, **shorthand(draw, made)}
            if src_name != values[-1][0] or "." in src_name:  # not the entry before (a piece)
                layer["from"] = src_name
            y = outcome(layer, [src])
            if y is not None and max(y) <= 64 and (len(y) < 2 or all(d <= 24 for d in y[1:])):
                if draw(st.integers(0, 5)) == 0:
                    del layer["name"]  # cnncalc names it (conv2d_1, …) unless a layer reads it
                layers.append({**layer, "_i": i})
                values.append((name, y))
                break
    if not layers:
        layers.append({"type": "identity"})
    named = [n for n, _ in values[1:]]
    spec: Spec = {
        "name": f"random {'graph' if graph else 'net'}",
        "input": dict(zip(KEYS[len(x)], x, strict=True)),
        "layers": layers,
    }
    if graph and len(named) >= 2 and draw(st.booleans()):
        spec["outputs"] = draw(
            st.lists(st.sampled_from(named), min_size=1, max_size=2, unique=True)
        )
    return _fix_unnamed_refs(spec)


def _fix_unnamed_refs(spec: Spec) -> Spec:
    """Layers whose name was dropped cannot be read by name: give the name back where read."""
    read = {r for layer in spec["layers"] for r in _refs(layer)} | set(spec.get("outputs", []))
    for layer in spec["layers"]:
        if "name" not in layer and f"L{layer['_i']}" in read:
            layer["name"] = f"L{layer['_i']}"
    for layer in spec["layers"]:
        layer.pop("_i", None)
    return spec


def _refs(layer: dict[str, Any]) -> list[str]:
    src = layer.get("from")
    return [src] if isinstance(src, str) else list(src or [])


@st.composite
def block_networks(draw: st.DrawFn) -> Spec:
    """Blocks used with repeat (a residual unit), groups (nn.Sequential-like, numbered),
    inline blocks and conditions: the hierarchical names codegen must keep."""
    c = draw(st.integers(1, 4))
    size = draw(st.integers(4, 8))
    body: list[dict[str, Any]] = []
    for j in range(draw(st.integers(1, 3))):
        layer = draw(st.sampled_from([
            {"type": "conv2d", "out_channels": "$c", "kernel_size": 3, "padding": 1},
            {"type": "batchnorm2d", "activation": "relu"},
            {"type": "relu"},
            {"type": "conv2d", "out_channels": "$c", "kernel_size": 1, "bias": False},
            {"type": "dropout", "p": 0.1},
        ]))  # fmt: skip
        body.append({"name": f"u{j}", **layer} if draw(st.booleans()) else dict(layer))
    merge = draw(st.sampled_from(["add", "mul", "none"]))
    if merge != "none":
        body.append({"name": "merge", "type": merge, "from": [_last(body), "input"]})
    if draw(st.booleans()):  # a numbered group inside the block, read from the block's input
        side = [{"type": "conv2d", "out_channels": "$c", "kernel_size": 1}, {"type": "relu"}]
        body.append({"name": "side", "from": "input", "layers": side})
        body.append({"name": "join", "type": "add", "from": ["side", _last(body[:-1])]})
    blocks: dict[str, Any] = {"unit": {"args": {"c": None}, "layers": body}}
    stem = [{"type": "conv2d", "out_channels": c, "kernel_size": 3, "padding": 1}, {"type": "relu"}]
    layers: list[dict[str, Any]] = [
        {"name": "stem", "layers": stem} if draw(st.booleans()) else {"type": "stem_block"},
        {"name": "stage", "type": "unit", "c": c, "repeat": draw(st.integers(1, 3))},
    ]
    blocks["stem_block"] = {"inline": True, "layers": stem}
    if draw(st.booleans()):
        layers.append({"name": "head", "layers": [
            {"type": "adaptiveavgpool2d", "output_size": 1}, {"type": "flatten"},
            {"type": "linear", "out_features": draw(st.integers(1, 5))}]})  # fmt: skip
    channels = draw(st.integers(1, 3))
    return {
        "name": "blocky",
        "input": {"channels": channels, "height": size, "width": size},
        "blocks": blocks,
        "layers": layers,
    }


def _last(body: list[dict[str, Any]]) -> str:
    """The local name of the last entry (numbered by position when it has no name)."""
    i = len(body) - 1
    return str(body[i].get("name", i))
