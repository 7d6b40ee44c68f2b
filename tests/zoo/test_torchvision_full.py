"""Specs against torch's own figures for the torchvision models (tests/data/torchvision_full.json,
its source: tests/data/README.md): parameters, trainable, buffers, MACs as FlopCounterMode
counts them, the output(s) and every leaf module call (reference.check_full).

`FULL` maps a reference model to its spec and the layers torchvision computes with functions
rather than modules (`out += identity`, torch.cat, torch.flatten, …), by name pattern, so that
an invented layer cannot slip through. docs/torchvision.md lists the models without a spec."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from .reference import SPECS, check_full

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "torchvision_full.json"

RESNET = r"layer\d\.\d+\.add|flatten"
REGNET = r"trunk_output\.block\d\.block\d-\d+\.(add|f\.se\.scale)|flatten"
SEGMENTATION = r"backbone\.layer\d\.\d+\.add|interpolate"
DEEPLABV3 = SEGMENTATION + r"|classifier\.0\.(cat|convs\.4\.interpolate)"
EFFICIENTNET = r"features\.\d\.\d+\.(add|block\.\d\.scale)|flatten"
MNASNET = r"layers\.\d+\.\d\.add|mean"
SHUFFLENET = r"stage\d\.\d+\.(split\.[01]|cat|shuffle)|mean"
# Swin: the attention module (its Linears are applied with F.linear), the residual adds, and
# PatchMerging's strided slices and torch.cat (a view here)
SWIN = r"features\.\d\.\d+\.(attn|add|add_1)|features\.[246]\.(rows|cols|slices|cat)"
# Video Swin: as SWIN; PatchEmbed3d's and the head's permute and the head's torch.flatten are in
# forward, and the stages are features.0, 2, 4, 6 (the patch embedding is outside `features`)
SWIN3D = (
    r"patch_embed\.permute|features\.\d\.\d+\.(attn|add|add_1)"
    r"|features\.[135]\.(rows|cols|slices|cat)|permute|flatten"
)
# Swin v2: attn is a group (its cpb_mlp layers are module calls), its relative_coords_table
# buffer and the attention layer (qkv, proj: F.linear) are not
SWIN_V2 = (
    r"features\.\d\.\d+\.(attn\.(relative_coords_table|attention)|add|add_1)"
    r"|features\.[246]\.(rows|cols|slices|cat)"
)
CONVNEXT = r"features\.\d\.\d+\.(layer_scale|add)"
# MaxViT: the residual adds, squeeze-excitation's scale, WindowPartition's and
# WindowDepartition's reshape and permute before their last reshape (the module's output), and
# the attention's functions between its to_qkv and merge Linears
MAXVIT = (
    r"blocks\.\d\.layers\.\d\.layers\.(MBconv\.(add|layers\.squeeze_excitation\.scale)"
    r"|(window|grid)_attention\.((de)?partition_(split|permute)|add(_1)?|attn_layer\.1\."
    r"(chunk\.[012]|[qkv](_heads)?|dot_prod|pos_bias|softmax|out(_permute|_reshape)?)))"
)
# MViT: the tokens' flatten and transpose, the class token's select; in a block, the split of
# qkv into heads and q, k, v, each Pool's class token split and token layout around its pool
# (functions in its forward), the attention's functions between its pools and project, the adds
MVIT = (
    r"flatten|transpose|select|blocks\.\d+\.(attn\.(heads|transpose|[qkv]|attention)|add(_1)?"
    r"|(attn\.pool_[qkv]|pool_skip)\.(cls|tokens|transpose(_1)?|grid|flatten|cat))"
)
# nn.MultiheadAttention's forward calls no submodule (out_proj is a weight it reads)
VIT = (
    r"reshape|permute|class_token|encoder\.pos_embedding|select"
    r"|encoder\.layers\.encoder_layer_\d+\.(self_attention|add|add_1)"
)
FULL: dict[str, tuple[str, str]] = {
    "alexnet": ("alexnet.yaml", r"flatten"),
    "convnext_base": ("convnext/convnext_base.yaml", CONVNEXT),
    "convnext_large": ("convnext/convnext_large.yaml", CONVNEXT),
    "convnext_tiny": ("convnext/convnext_tiny.yaml", CONVNEXT),
    "deeplabv3_resnet101": ("segmentation/deeplabv3_resnet101.yaml", DEEPLABV3),
    "deeplabv3_resnet50": ("segmentation/deeplabv3_resnet50.yaml", DEEPLABV3),
    "densenet121": ("densenet121.yaml", r"features\.denseblock\d\.cat\d+|pool|flatten"),
    "densenet161": ("densenet/densenet161.yaml", r"features\.denseblock\d\.cat\d+|pool|flatten"),
    "densenet201": ("densenet/densenet201.yaml", r"features\.denseblock\d\.cat\d+|pool|flatten"),
    "efficientnet_b0": (
        "efficientnet_b0.yaml",
        r"features\.\d\.\d\.(add|block\.\d\.scale)|flatten",
    ),
    "efficientnet_b1": ("efficientnet/efficientnet_b1.yaml", EFFICIENTNET),
    "efficientnet_b2": ("efficientnet/efficientnet_b2.yaml", EFFICIENTNET),
    "efficientnet_b4": ("efficientnet/efficientnet_b4.yaml", EFFICIENTNET),
    "efficientnet_b5": ("efficientnet/efficientnet_b5.yaml", EFFICIENTNET),
    "efficientnet_b6": ("efficientnet/efficientnet_b6.yaml", EFFICIENTNET),
    "efficientnet_b7": ("efficientnet/efficientnet_b7.yaml", EFFICIENTNET),
    "efficientnet_v2_l": ("efficientnet/efficientnet_v2_l.yaml", EFFICIENTNET),
    "efficientnet_v2_s": ("efficientnet/efficientnet_v2_s.yaml", EFFICIENTNET),
    "fcn_resnet101": ("segmentation/fcn_resnet101.yaml", SEGMENTATION),
    "fcn_resnet50": ("segmentation/fcn_resnet50.yaml", SEGMENTATION),
    "googlenet": ("googlenet.yaml", r"inception\d[a-e]\.cat|flatten"),
    "inception_v3": ("inception/inception_v3.yaml", r"Mixed_\d[a-e]\.(pool|cat\w*)|flatten"),
    "lraspp_mobilenet_v3_large": (
        "segmentation/lraspp_mobilenet_v3_large.yaml",
        r"backbone\.\d+\.(add|block\.\d\.scale)|(classifier\.)?interpolate|classifier\.(mul|add)",
    ),
    "maxvit_t": ("maxvit/maxvit_t.yaml", MAXVIT),
    "mnasnet0_5": ("mnasnet/mnasnet0_5.yaml", MNASNET),
    "mnasnet1_0": ("mnasnet/mnasnet1_0.yaml", MNASNET),
    "mnasnet1_3": ("mnasnet/mnasnet1_3.yaml", MNASNET),
    "mobilenet_v2": ("mobilenet_v2.yaml", r"pool|flatten|features\.\d+\.add"),
    "mobilenet_v3_large": (
        "mobilenet_v3_large.yaml",
        r"features\.\d+\.(add|block\.\d\.scale)|flatten",
    ),
    "mobilenet_v3_small": (
        "mobilenet/mobilenet_v3_small.yaml",
        r"features\.\d+\.(add|block\.\d\.scale)|flatten",
    ),
    "mvit_v1_b": ("video/mvit_v1_b.yaml", MVIT),
    "mvit_v2_s": ("video/mvit_v2_s.yaml", MVIT),
    "r2plus1d_18": ("video/r2plus1d_18.yaml", r"layer\d\.\d\.add|flatten"),
    "r3d_18": ("r3d_18.yaml", r"layer\d\.\d\.add|flatten"),
    "regnet_x_16gf": ("regnet/regnet_x_16gf.yaml", REGNET),
    "regnet_x_32gf": ("regnet/regnet_x_32gf.yaml", REGNET),
    "regnet_x_3_2gf": ("regnet/regnet_x_3_2gf.yaml", REGNET),
    "regnet_x_400mf": ("regnet/regnet_x_400mf.yaml", REGNET),
    "regnet_x_800mf": ("regnet/regnet_x_800mf.yaml", REGNET),
    "regnet_x_8gf": ("regnet/regnet_x_8gf.yaml", REGNET),
    "regnet_y_128gf": ("regnet/regnet_y_128gf.yaml", REGNET),
    "regnet_y_16gf": ("regnet/regnet_y_16gf.yaml", REGNET),
    "regnet_y_1_6gf": ("regnet/regnet_y_1_6gf.yaml", REGNET),
    "regnet_y_32gf": ("regnet/regnet_y_32gf.yaml", REGNET),
    "regnet_y_3_2gf": ("regnet/regnet_y_3_2gf.yaml", REGNET),
    "regnet_y_400mf": ("regnet/regnet_y_400mf.yaml", REGNET),
    "regnet_y_8gf": ("regnet/regnet_y_8gf.yaml", REGNET),
    "resnet101": ("resnet/resnet101.yaml", RESNET),
    "resnet152": ("resnet152.yaml", RESNET),
    "resnet18": ("resnet18.yaml", RESNET),
    "resnet34": ("resnet/resnet34.yaml", RESNET),
    "resnet50": ("resnet50.yaml", RESNET),
    "resnext101_32x8d": ("resnet/resnext101_32x8d.yaml", RESNET),
    "resnext50_32x4d": ("resnet/resnext50_32x4d.yaml", RESNET),
    "s3d": ("video/s3d.yaml", r"features\.\d+\.cat|mean"),
    "shufflenet_v2_x0_5": ("shufflenet/shufflenet_v2_x0_5.yaml", SHUFFLENET),
    "shufflenet_v2_x1_0": (
        "shufflenet_v2_x1_0.yaml",
        r"stage\d\.\d+\.(split\.[01]|cat|shuffle)|mean|flatten",
    ),
    "shufflenet_v2_x2_0": ("shufflenet/shufflenet_v2_x2_0.yaml", SHUFFLENET),
    "squeezenet1_0": ("squeezenet1_0.yaml", r"features\.\d+\.cat|flatten"),
    "squeezenet1_1": ("squeezenet1_1.yaml", r"features\.\d+\.cat|flatten"),
    "swin3d_b": ("video/swin3d_b.yaml", SWIN3D),
    "swin3d_t": ("video/swin3d_t.yaml", SWIN3D),
    "swin_b": ("swin/swin_b.yaml", SWIN),
    "swin_t": ("swin/swin_t.yaml", SWIN),
    "swin_v2_b": ("swin/swin_v2_b.yaml", SWIN_V2),
    "swin_v2_t": ("swin/swin_v2_t.yaml", SWIN_V2),
    "vgg11": ("vgg/vgg11.yaml", r"flatten"),
    "vgg11_bn": ("vgg/vgg11_bn.yaml", r"flatten"),
    "vgg13": ("vgg/vgg13.yaml", r"flatten"),
    "vgg16": ("vgg16.yaml", r"flatten"),
    "vgg16_bn": ("vgg/vgg16_bn.yaml", r"flatten"),
    "vgg19": ("vgg/vgg19.yaml", r"flatten"),
    "vgg19_bn": ("vgg/vgg19_bn.yaml", r"flatten"),
    "vit_b_16": ("vit/vit_b_16.yaml", VIT),
    "vit_b_32": ("vit/vit_b_32.yaml", VIT),
    "vit_h_14": ("vit/vit_h_14.yaml", VIT),
    "vit_l_16": ("vit/vit_l_16.yaml", VIT),
    "wide_resnet50_2": ("resnet/wide_resnet50_2.yaml", RESNET),
}


@cache
def models() -> dict[str, dict[str, Any]]:
    return json.loads(REFERENCE.read_text())["models"]  # type: ignore[no-any-return]


def test_every_spec_listed_is_a_reference_model_with_a_file() -> None:
    assert set(FULL) <= set(models())
    for spec, extras in FULL.values():
        assert (SPECS / spec).is_file(), spec
        re.compile(extras)


def test_the_models_without_a_spec_are_the_ones_docs_list() -> None:
    """docs/torchvision.md says which models have no spec yet; it may not claim more."""
    doc = (SPECS.parent / "docs" / "torchvision.md").read_text()
    missing = re.findall(r"^\| `([a-z0-9_]+)` \| — \|", doc, re.M)
    assert sorted(missing) == sorted(set(models()) - set(FULL))


@pytest.mark.parametrize("key", sorted(FULL))
def test_matches_torch(key: str) -> None:
    spec, extras = FULL[key]
    check_full(SPECS / spec, models()[key], extras)
