"""Each layer kind against figures computed by hand (the arithmetic is in the comments),
the seeds' worked examples among them (reference/lenet5.md, end)."""

from __future__ import annotations

from typing import Any

import pytest
from core_util import checked_explain_lines, one, report, spec

from cnncalc.api import analyze, loads
from cnncalc.errors import SpecError

Case = tuple[tuple[int, ...], dict[str, Any], tuple[int, ...], dict[str, int]]

CASES: dict[str, Case] = {
    # ---- the seeds' examples ----
    # ⌊(256 − 12 + 2·2)/4⌋ + 1 = 63; params 96·(3·144 + 1) = 41,568
    "seed Conv2d(3,96,k=12,s=4,p=2) 256x256": (
        (3, 256, 256),
        {"type": "conv2d", "out_channels": 96, "kernel_size": 12, "stride": 4, "padding": 2},
        (96, 63, 63),
        {"trainable": 41_568, "connections": 41_568 * 63 * 63, "macs": 96 * 3 * 144 * 63 * 63},
    ),
    # weight 10×5×3×3 = 450, + 10 biases
    "seed Conv2d(5,10,k=3) 100x100": (
        (5, 100, 100),
        {"type": "conv2d", "out_channels": 10, "kernel_size": 3},
        (10, 98, 98),
        {"trainable": 460, "macs": 450 * 98 * 98},
    ),
    "seed 3x3 pad 1 keeps 5x5": (
        (1, 5, 5),
        {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "padding": 1},
        (1, 5, 5),
        {"trainable": 10},
    ),
    "seed MaxPool2d(2) 4x4": (
        (1, 4, 4),
        {"type": "maxpool2d", "kernel_size": 2},
        (1, 2, 2),
        {"trainable": 0},
    ),
    # ---- convolution ----
    # ⌊(10 + 2 − 3)/2⌋ + 1 = 5; params 4·(2·3 + 1) = 28; connections 28·5; MACs 4·2·3·5
    "conv1d stride padding": (
        (2, 10),
        {"type": "conv1d", "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1},
        (4, 5),
        {"trainable": 28, "connections": 140, "macs": 120},
    ),
    # dilated extent 2·(3 − 1) + 1 = 5: 7 − 5 + 1 = 3
    "conv2d dilation": (
        (1, 7, 7),
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "dilation": 2},
        (2, 3, 3),
        {"trainable": 20, "macs": 2 * 9 * 9},
    ),
    # depthwise: each of 8 maps reads 1 input map: 8·(9 + 1) = 80; MACs 8·9·16
    "conv2d depthwise": (
        (8, 6, 6),
        {"type": "conv2d", "out_channels": 8, "kernel_size": 3, "groups": 8},
        (8, 4, 4),
        {"trainable": 80, "connections": 80 * 16, "macs": 1152},
    ),
    # groups 2: 6 maps each read 4/2 = 2 inputs: 6·(2·9 + 1) = 114
    "conv2d groups": (
        (4, 5, 5),
        {"type": "conv2d", "out_channels": 6, "kernel_size": 3, "groups": 2},
        (6, 3, 3),
        {"trainable": 114, "macs": 6 * 2 * 9 * 9},
    ),
    "conv2d no bias": (
        (5, 100, 100),
        {"type": "conv2d", "out_channels": 10, "kernel_size": 3, "bias": False},
        (10, 98, 98),
        {"trainable": 450, "connections": 450 * 98 * 98, "macs": 450 * 98 * 98},
    ),
    # H: 5 + 2·1 − 3 + 1 = 5; W: 5 + 2·2 − 3 + 1 = 7
    "conv2d padding per axis": (
        (1, 5, 5),
        {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "padding": [1, 2]},
        (1, 5, 7),
        {},
    ),
    # H: 5 + 0 + 1 − 3 + 1 = 4; W: 5 + 2 + 0 − 3 + 1 = 5
    "conv2d padding pairs": (
        (1, 5, 5),
        {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "padding": [[0, 1], [2, 0]]},
        (1, 4, 5),
        {},
    ),
    "conv2d padding same even kernel": (
        (1, 6, 6),
        {"type": "conv2d", "out_channels": 1, "kernel_size": 4, "padding": "same"},
        (1, 6, 6),
        {},
    ),
    "conv2d padding valid": (
        (1, 6, 6),
        {"type": "conv2d", "out_channels": 1, "kernel_size": 4, "padding": "valid"},
        (1, 3, 3),
        {},
    ),
    # TensorFlow SAME: ⌈7/2⌉ = 4
    "conv2d padding tf_same stride 2": (
        (1, 7, 7),
        {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 2, "padding": "tf_same"},
        (1, 4, 4),
        {},
    ),
    "conv2d reflect": (
        (1, 5, 5),
        {
            "type": "conv2d",
            "out_channels": 1,
            "kernel_size": 3,
            "padding": 1,
            "padding_mode": "reflect",
        },
        (1, 5, 5),
        {"trainable": 10},
    ),
    # 4·(2·27 + 1) = 220
    "conv3d": (
        (2, 8, 8, 8),
        {"type": "conv3d", "out_channels": 4, "kernel_size": 3},
        (4, 6, 6, 6),
        {"trainable": 220},
    ),
    # (4 − 1)·2 − 2·1 + (3 − 1) + 1 + 1 = 8; params 3·2·9 + 2 = 56;
    # MACs 3·2·9 per input position (16)
    "convtranspose2d": (
        (3, 4, 4),
        {
            "type": "convtranspose2d",
            "out_channels": 2,
            "kernel_size": 3,
            "stride": 2,
            "padding": 1,
            "output_padding": 1,
        },
        (2, 8, 8),
        {"trainable": 56, "macs": 864, "connections": 864 + 2 * 64},
    ),
    # (5 − 1)·1 + 2·(3 − 1) + 1 = 9
    "conv_transpose1d dilation": (
        (1, 5),
        {"type": "conv_transpose1d", "out_channels": 1, "kernel_size": 3, "dilation": 2},
        (1, 9),
        {"trainable": 4},
    ),
    "convtranspose3d": (
        (1, 2, 2, 2),
        {"type": "convtranspose3d", "out_channels": 1, "kernel_size": 2, "stride": 2},
        (1, 4, 4, 4),
        {"trainable": 9},
    ),
    # ---- pooling ----
    "maxpool2d floor": (
        (1, 5, 5),
        {"type": "maxpool2d", "kernel_size": 2},
        (1, 2, 2),
        {"connections": 16},
    ),
    # ⌈(5 − 2)/2⌉ + 1 = 3
    "maxpool2d ceil_mode": (
        (1, 5, 5),
        {"type": "maxpool2d", "kernel_size": 2, "ceil_mode": True},
        (1, 3, 3),
        {},
    ),
    # ⌊(5 + 2 − 3)/2⌋ + 1 = 3
    "max_pool2d padding": (
        (1, 5, 5),
        {"type": "max_pool2d", "kernel_size": 3, "stride": 2, "padding": 1},
        (1, 3, 3),
        {},
    ),
    # extent 2·(2 − 1) + 1 = 3: ⌊(5 − 3)/1⌋ + 1 = 3
    "maxpool1d dilation": (
        (2, 5),
        {"type": "maxpool1d", "kernel_size": 2, "stride": 1, "dilation": 2},
        (2, 3),
        {},
    ),
    "avgpool1d ceil_mode": (
        (1, 7),
        {"type": "avgpool1d", "kernel_size": 3, "ceil_mode": True},
        (1, 3),
        {},
    ),
    "avgpool3d": (
        (2, 4, 6, 8),
        {"type": "avgpool3d", "kernel_size": 2},
        (2, 2, 3, 4),
        {"trainable": 0},
    ),
    # windows of 7 → 3: [0,3) [2,5) [4,7), 3 inputs each: 9 per axis, 81 per map
    "adaptiveavgpool2d": (
        (2, 7, 7),
        {"type": "adaptiveavgpool2d", "output_size": 3},
        (2, 3, 3),
        {"connections": 2 * 81},
    ),
    "adaptivemaxpool2d keeps an axis": (
        (2, 7, 5),
        {"type": "adaptivemaxpool2d", "output_size": [None, 2]},
        (2, 7, 2),
        {},
    ),
    "globalavgpool2d": ((16, 5, 5), {"type": "globalavgpool2d"}, (16, 1, 1), {"connections": 400}),
    "globalmaxpool1d": ((3, 9), {"type": "globalmaxpool1d"}, (3, 1), {}),
    # ---- dense ----
    "linear": (
        (120,),
        {"type": "linear", "out_features": 84},
        (84,),
        {"trainable": 10_164, "macs": 10_080},
    ),
    # applied at each of 3 positions: MACs 3·5·7
    "linear over the last dim": (
        (3, 5),
        {"type": "linear", "out_features": 7},
        (3, 7),
        {"trainable": 42, "macs": 105, "connections": 126},
    ),
    "linear no bias": (
        (10,),
        {"type": "linear", "out_features": 4, "bias": False},
        (4,),
        {"trainable": 40},
    ),
    "rbf trainable": (
        (84,),
        {"type": "rbf", "out_features": 10},
        (10,),
        {"trainable": 840, "fixed": 0},
    ),
    "rbf fixed": (
        (84,),
        {"type": "rbf", "out_features": 10, "trainable": False},
        (10,),
        {"trainable": 0, "fixed": 840, "connections": 840},
    ),
    # ---- reshaping ----
    "flatten": ((16, 5, 5), {"type": "flatten"}, (400,), {"connections": 0}),
    "flatten start_dim 2": ((3, 4, 5), {"type": "flatten", "start_dim": 2}, (3, 20), {}),
    "identity": ((3, 4), {"type": "identity"}, (3, 4), {}),
    "dropout": ((3, 4), {"type": "dropout", "p": 0.2}, (3, 4), {}),
    "dropout2d": ((3, 4, 4), {"type": "dropout2d"}, (3, 4, 4), {}),
    # torch order (left, right, top, bottom): H 5 + 3 + 4 = 12, W 5 + 1 + 2 = 8
    "zeropad2d": ((1, 5, 5), {"type": "zeropad2d", "padding": [1, 2, 3, 4]}, (1, 12, 8), {}),
    "zeropad1d crop": ((1, 5), {"type": "zeropad1d", "padding": [-1, 2]}, (1, 6), {}),
    "constantpad3d": (
        (1, 2, 2, 2),
        {"type": "constantpad3d", "padding": 1, "value": 0.5},
        (1, 4, 4, 4),
        {},
    ),
    # ---- normalization ----
    # 2·6 parameters; buffers running_mean 6 + running_var 6 + num_batches_tracked 1
    "batchnorm2d": (
        (6, 4, 4),
        {"type": "batchnorm2d"},
        (6, 4, 4),
        {"trainable": 12, "buffers": 13},
    ),
    "batchnorm2d no affine": (
        (6, 4, 4),
        {"type": "batchnorm2d", "affine": False},
        (6, 4, 4),
        {"trainable": 0, "buffers": 13},
    ),
    "batchnorm1d no stats": (
        (6,),
        {"type": "batchnorm1d", "track_running_stats": False},
        (6,),
        {"trainable": 12, "buffers": 0},
    ),
    "batchnorm1d C×L": ((6, 10), {"type": "batchnorm1d"}, (6, 10), {"trainable": 12}),
    "batchnorm3d": (
        (2, 3, 3, 3),
        {"type": "batchnorm3d"},
        (2, 3, 3, 3),
        {"trainable": 4, "buffers": 5},
    ),
    "layernorm": (
        (3, 4, 5),
        {"type": "layernorm", "normalized_shape": [4, 5]},
        (3, 4, 5),
        {"trainable": 40},
    ),
    "layernorm no bias": (
        (3, 4, 5),
        {"type": "layernorm", "normalized_shape": 5, "bias": False},
        (3, 4, 5),
        {"trainable": 5, "connections": 60},
    ),  # one input per unit, no bias
    "groupnorm": (
        (6, 4, 4),
        {"type": "groupnorm", "num_groups": 3},
        (6, 4, 4),
        {"trainable": 12, "buffers": 0},
    ),
    # torch's defaults: no affine, no running statistics; connections one per input
    "instancenorm2d": (
        (6, 4, 4),
        {"type": "instancenorm2d"},
        (6, 4, 4),
        {"trainable": 0, "buffers": 0, "connections": 96},
    ),
    # 2·3 parameters; running_mean 3 + running_var 3 + num_batches_tracked 1; 2 per output
    "instancenorm1d affine tracked": (
        (3, 5),
        {"type": "instancenorm1d", "affine": True, "track_running_stats": True},
        (3, 5),
        {"trainable": 6, "buffers": 7, "connections": 30},
    ),
    "instancenorm3d affine": (
        (2, 2, 3, 3),
        {"type": "instancenorm3d", "affine": True},
        (2, 2, 3, 3),
        {"trainable": 4, "buffers": 0},
    ),
    # a scale and a shift per channel; 2 connections per output
    "layernorm2d": (
        (6, 4, 4),
        {"type": "layernorm2d", "eps": 1e-6},
        (6, 4, 4),
        {"trainable": 12, "buffers": 0, "connections": 192, "macs": 0},
    ),
    "layernorm2d no bias": (
        (3, 2, 5),
        {"type": "layernorm2d", "bias": False},
        (3, 2, 5),
        {"trainable": 3, "connections": 30},
    ),
    # no state; 5 channels per unit · 96 outputs
    "localresponsenorm": (
        (6, 4, 4),
        {"type": "localresponsenorm", "size": 5},
        (6, 4, 4),
        {"trainable": 0, "buffers": 0, "connections": 480, "macs": 0},
    ),
    # ---- resizing ----
    "upsample scale 2": ((3, 4, 5), {"type": "upsample", "scale_factor": 2}, (3, 8, 10), {}),
    "upsample size bilinear": (
        (3, 4, 5),
        {"type": "upsample", "size": [7, 9], "mode": "bilinear"},
        (3, 7, 9),
        {},
    ),
    # torch floors 100·0.29 in double precision: 28.999999999999996 → 28 (not 29)
    "upsample scale 0.29 as torch": (
        (1, 100),
        {"type": "upsample", "scale_factor": 0.29},
        (1, 28),
        {},
    ),
    "upsamplingnearest2d": (
        (1, 3, 3),
        {"type": "upsamplingnearest2d", "scale_factor": 2},
        (1, 6, 6),
        {},
    ),
    # ---- LeNet ----
    # S2: 6·(1 + 1) = 12; connections 6·14·14·(4 + 1) = 5,880; one multiply per unit
    "subsample2d": (
        (6, 28, 28),
        {"type": "subsample2d", "kernel_size": 2},
        (6, 14, 14),
        {"trainable": 12, "connections": 5_880, "macs": 6 * 14 * 14},
    ),
    # 2 maps·(1 coefficient + 0 bias); each of 2·3 units reads 3 inputs, no bias
    "subsample1d no bias": (
        (2, 9),
        {"type": "subsample1d", "kernel_size": 3, "bias": False},
        (2, 3),
        {"trainable": 2, "connections": 18, "macs": 6},
    ),
    # ---- attention ----
    # ViT-B/16's encoder attention: in_proj 3·768·768 + 3·768, out_proj 768·768 + 768;
    # MACs: 4 projections 197·768·768 + QKᵀ and attn·V 2·197·197·768
    "multiheadattention ViT-B/16": (
        (197, 768),
        {"type": "multiheadattention", "embed_dim": 768, "num_heads": 12, "batch_first": True},
        (197, 768),
        {
            "trainable": 2_362_368,
            "macs": 4 * 197 * 768 * 768 + 2 * 197 * 197 * 768,
            "connections": 4 * 197 * 768 * 769 + 2 * 197 * 197 * 768,
        },
    ),
    # kdim/vdim split the in-projection: 4·(4 + 2 + 3) + 4·4, no biases; bias_k, bias_v 2·4;
    # the keys: 5 + bias_k + a zero key = 7
    # Swin-T's first block: qkv 3·96·97 + proj 96·97 + bias table 13·13·3; buffer 49²;
    # MACs over 56·56 positions: 56·56·96·(3·96 + 96 + 2·49)
    "shiftedwindowattention Swin-T": (
        (56, 56, 96),
        {
            "type": "shiftedwindowattention",
            "window_size": [7, 7],
            "shift_size": [3, 3],
            "num_heads": 3,
        },
        (56, 56, 96),
        {
            "trainable": 37_755,
            "buffers": 2_401,
            "macs": 56 * 56 * 96 * (4 * 96 + 2 * 49),
            "connections": 56 * 56 * (288 * 97 + 96 * 97 + 2 * 49 * 96 + 49 * 3),
        },
    ),
    # 5×3 padded to 6×4 by the 2×2 window: 24 positions; no biases
    "shiftedwindowattention padded": (
        (5, 3, 4),
        {
            "type": "shiftedwindowattention",
            "window_size": [2, 2],
            "shift_size": [1, 1],
            "num_heads": 2,
            "qkv_bias": False,
            "proj_bias": False,
        },
        (5, 3, 4),
        {"trainable": 3 * 4 * 4 + 4 * 4 + 9 * 2, "buffers": 16, "macs": 24 * 4 * (4 * 4 + 2 * 4)},
    ),
    # Swin3D-T's first block: qkv 3·96·97 + proj 96·97 + bias table 15·13·13·3; buffer 392²;
    # MACs over 8·56·56 positions, windows of 8·7·7 = 392 tokens
    "shiftedwindowattention3d Swin3D-T": (
        (8, 56, 56, 96),
        {
            "type": "shiftedwindowattention3d",
            "window_size": [8, 7, 7],
            "shift_size": [4, 3, 3],
            "num_heads": 3,
        },
        (8, 56, 56, 96),
        {
            "trainable": 44_853,
            "buffers": 153_664,
            "macs": 8 * 56 * 56 * 96 * (4 * 96 + 2 * 392),
            "connections": 8 * 56 * 56 * (288 * 97 + 96 * 97 + 2 * 392 * 96 + 392 * 3),
        },
    ),
    # T 3 ≤ 4 and W 2 ≤ 3: windows of 3 and 2, unpadded; H 5 padded to 6 by the window 2:
    # 3·6·2 = 36 positions, 3·2·2 = 12 tokens; the table and index keep the 4×2×3 window
    "shiftedwindowattention3d shrunk": (
        (3, 5, 2, 4),
        {
            "type": "shiftedwindowattention3d",
            "window_size": [4, 2, 3],
            "shift_size": [2, 1, 1],
            "num_heads": 2,
            "qkv_bias": False,
            "proj_bias": False,
        },
        (3, 5, 2, 4),
        {
            "trainable": 3 * 4 * 4 + 4 * 4 + 7 * 3 * 5 * 2,
            "buffers": 24 * 24,
            "macs": 36 * 4 * (4 * 4 + 2 * 12),
        },
    ),
    # MaxViT-T's first attention: 64 windows × 2 heads × 49×49 logits of a 7×7 window; table
    # (2·7 − 1)²·2 = 338, index 49² = 2,401; the logit and its bias per output
    "relativepositionbias MaxViT-T": (
        (64, 2, 49, 49),
        {"type": "relativepositionbias", "window_size": 7, "num_heads": 2, "scale": 0.125},
        (64, 2, 49, 49),
        {"trainable": 338, "buffers": 2_401, "connections": 2 * 64 * 2 * 49 * 49, "macs": 0},
    ),
    # a 2×3 window: N = 6 tokens, table (2·2 − 1)·(2·3 − 1) = 15 rows × 3 heads, index 6²
    "relativepositionbias 2x3": (
        (3, 6, 6),
        {"type": "relativepositionbias", "window_size": [2, 3]},
        (3, 6, 6),
        {"trainable": 45, "buffers": 36, "connections": 2 * 3 * 6 * 6},
    ),
    "multiheadattention kdim vdim": (
        (5, 4),
        {
            "type": "multiheadattention",
            "embed_dim": 4,
            "num_heads": 2,
            "kdim": 4,
            "vdim": 4,
            "bias": False,
            "add_bias_kv": True,
            "add_zero_attn": True,
            "batch_first": True,
        },
        (5, 4),
        {"trainable": 4 * 12 + 16 + 8, "macs": 4 * 5 * 4 * 4 + 2 * 5 * 7 * 4},
    ),
    # ---- pixel shuffle: 18 = 2·3² channels to 2 × 4·3 × 5·3, and 2 × 6×4 back to 2·2² × 3×2
    "pixelshuffle r=3": (
        (18, 4, 5),
        {"type": "pixelshuffle", "upscale_factor": 3},
        (2, 12, 15),
        {"trainable": 0, "buffers": 0, "connections": 0, "macs": 0},
    ),
    "pixelunshuffle r=2": (
        (2, 6, 4),
        {"type": "pixelunshuffle", "downscale_factor": 2},
        (8, 3, 2),
        {"trainable": 0, "buffers": 0, "connections": 0, "macs": 0},
    ),
    # ConvNeXt's layer_scale: 96 scales, 2 connections per output (data, scale), no MACs
    "parameter mul layer_scale": (
        (96, 7, 7),
        {"type": "parameter", "size": [96, 1, 1], "op": "mul"},
        (96, 7, 7),
        {"trainable": 96, "connections": 2 * 96 * 49, "macs": 0},
    ),
    # ViT's class token before 196 patches: 197 positions
    "parameter concat class_token": (
        (196, 768),
        {"type": "parameter", "size": [1, 1, 768], "op": "concat", "dim": 1},
        (197, 768),
        {"trainable": 768, "connections": 0},
    ),
    "parameter add fixed": (
        (197, 8),
        {"type": "parameter", "size": [1, 197, 8], "op": "add", "trainable": False},
        (197, 8),
        {"fixed": 197 * 8, "trainable": 0, "connections": 2 * 197 * 8},
    ),
    # Swin v2's relative_coords_table: the buffer alone, 15·15·2, whatever the input
    "parameter alone buffer": (
        (56, 56, 96),
        {"type": "parameter", "size": [1, 15, 15, 2], "op": "alone", "buffer": True},
        (15, 15, 2),
        {"trainable": 0, "fixed": 0, "buffers": 450, "connections": 0, "macs": 0},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_layer(name: str) -> None:
    shape, layer, out, counts = CASES[name]
    s = one(shape, layer)
    assert s.output_shape == out
    c = s.counts
    got = {
        "trainable": c.trainable,
        "fixed": c.fixed,
        "buffers": c.buffers,
        "connections": c.connections,
        "macs": c.macs,
    }
    for key, want in counts.items():
        assert got[key] == want, f"{key}: {got[key]} != {want}"
    if (
        "macs" not in counts
        and layer["type"] not in {"conv1d", "conv2d", "conv3d", "linear", "rbf"}
        and not layer["type"].startswith(("convtranspose", "conv_transpose", "subsample"))
    ):
        assert (
            c.macs == 0
        )  # docs/counting.md: only conv, linear, subsample and rbf multiply-accumulate


@pytest.mark.parametrize("name", list(CASES))
def test_explain_arithmetic(name: str) -> None:
    """--explain's lines with the numbers put in evaluate to what they claim, and agree with
    the layer's figures."""
    shape, layer, out, _ = CASES[name]
    s = one(shape, layer)
    lines = s.explain()
    assert lines or layer["type"] in {"identity", "dropout", "dropout2d"}, (
        name
    )  # nothing to explain
    axes = dict(zip({1: "L", 2: "HW", 3: "DHW"}.get(len(out) - 1, ""), out[1:], strict=False))
    for label, value in checked_explain_lines(lines):
        if label in axes:
            assert value == axes[label], (name, label)
        if label == "params":
            assert value in (s.counts.params, s.counts.trainable), name
        if label == "connections":
            assert value == s.counts.connections, name
        if label == "MACs":
            assert value == s.counts.macs, name


def test_shiftedwindowattention3d_window_rule_on_symbolic_sizes() -> None:
    """torchvision's window rule over symbols (min and max, decided from bounds where it can)
    evaluates to the concrete counts at every size: axes shorter than, as long as and longer
    than their window, padded or not."""
    from cnncalc.layers.swin_attention3d import ShiftedWindowAttention3d
    from cnncalc.sym import Symbol, evaluate

    layer = ShiftedWindowAttention3d.model_validate(
        {"type": "shiftedwindowattention3d", "window_size": [4, 3, 5], "shift_size": [2, 1, 2],
         "num_heads": 2}
    )  # fmt: skip
    t, h = Symbol("T", 1, 14), Symbol("H", 1, 14)
    sym = layer.count((t, h, 7, 4), (t, h, 7, 4))
    for tv in range(1, 15):
        for hv in range(1, 15):
            got = layer.count((tv, hv, 7, 4), (tv, hv, 7, 4))
            env = {"T": tv, "H": hv}
            assert evaluate(sym.macs, env) == got.macs, env
            assert evaluate(sym.connections, env) == got.connections, env


def test_seed_weight_shape() -> None:
    """Conv2d(5, 10, kernel_size=3): weight 10×5×3×3 = the 450 non-bias parameters."""
    s = one((5, 100, 100), {"type": "conv2d", "out_channels": 10, "kernel_size": 3, "bias": False})
    assert s.counts.trainable == 10 * 5 * 3 * 3


ACTIVATIONS = [
    "relu",
    "relu6",
    "leaky_relu",
    "elu",
    "gelu",
    "silu",
    "hardswish",
    "hardsigmoid",
    "sigmoid",
    "tanh",
    "scaled_tanh",
    "softmax",
]


@pytest.mark.parametrize("kind", ACTIVATIONS)
def test_activation_layers_keep_shape_and_count_nothing(kind: str) -> None:
    s = one((3, 4, 5), {"type": kind})
    assert s.output_shape == (3, 4, 5)
    c = s.counts
    assert (c.trainable, c.fixed, c.buffers, c.connections, c.macs) == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("kind", ACTIVATIONS)
def test_activation_shorthand_equals_separate_layer(kind: str) -> None:
    conv = {"type": "conv2d", "out_channels": 4, "kernel_size": 3}
    fused = report((2, 8, 8), {**conv, "activation": kind})
    split = report((2, 8, 8), conv, {"type": kind})
    assert fused.totals == split.totals
    assert fused.layers[-1].output_shape == split.layers[-1].output_shape


def test_scaled_tanh_is_the_papers_function() -> None:
    from cnncalc.layers.activations import ScaledTanh

    f = ScaledTanh(type="scaled_tanh")
    assert (f.scale, f.slope) == (1.7159, 2 / 3)  # f(a) = 1.7159·tanh(2a/3), paper appendix A


def test_prelu_parameters() -> None:
    assert one((6, 4, 4), {"type": "prelu", "num_parameters": 6}).counts.trainable == 6
    assert one((6, 4, 4), {"type": "prelu"}).counts.trainable == 1


@pytest.mark.parametrize(
    ("shape", "layer", "code", "field"),
    [
        (
            (1, 6, 6),
            {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 2, "padding": "same"},
            "E104",
            "padding",
        ),
        (
            (1, 3, 3),
            {
                "type": "conv2d",
                "out_channels": 1,
                "kernel_size": 3,
                "padding": 3,
                "padding_mode": "reflect",
            },
            "E104",
            "padding",
        ),
        ((1, 5, 5), {"type": "maxpool2d", "kernel_size": 3, "padding": 2}, "E104", "padding"),
        ((6, 4, 4), {"type": "groupnorm", "num_groups": 4}, "E102", "num_groups"),
        ((6, 4, 4), {"type": "instancenorm2d", "num_features": 4}, "E102", "num_features"),
        ((6, 4), {"type": "instancenorm2d"}, "E102", ""),
        ((6, 1, 1), {"type": "instancenorm2d"}, "E102", ""),
        ((6,), {"type": "localresponsenorm", "size": 2}, "E102", ""),
        ((6, 4), {"type": "layernorm2d"}, "E102", ""),
        ((6, 4, 4), {"type": "layernorm2d", "normalized_shape": 4}, "E102", "normalized_shape"),
        ((6, 4), {"type": "localresponsenorm", "size": 0}, "", "size"),
        ((3, 4), {"type": "softmax", "dim": 3}, "", "dim"),
        ((6, 4, 4), {"type": "prelu", "num_parameters": 4}, "E102", "num_parameters"),
        ((3, 4), {"type": "dropout2d"}, "E102", ""),
        ((1, 2), {"type": "zeropad1d", "padding": [-3, 4]}, "E101", "padding"),
        (
            (1, 3, 3),
            {"type": "convtranspose2d", "out_channels": 1, "kernel_size": 2, "output_padding": 1},
            "",
            "output_padding",
        ),
        ((3, 4, 5), {"type": "layernorm", "normalized_shape": [5, 4]}, "E102", "normalized_shape"),
        (
            (16, 5, 5),
            {"type": "linear", "out_features": 4, "in_features": 400},
            "E102",
            "in_features",
        ),
        (
            (5, 8),
            {"type": "multiheadattention", "embed_dim": 8, "num_heads": 2, "batch_first": False},
            "E102",
            "batch_first",
        ),
        (
            (5, 8),
            {"type": "multiheadattention", "embed_dim": 8, "num_heads": 3, "batch_first": True},
            "E102",
            "num_heads",
        ),
        (
            (5, 6),
            {"type": "multiheadattention", "embed_dim": 8, "num_heads": 2, "batch_first": True},
            "E102",
            "embed_dim",
        ),
        (
            (2, 5, 8),
            {"type": "multiheadattention", "embed_dim": 8, "num_heads": 2, "batch_first": True},
            "E102",
            "",
        ),
        (
            (4, 4, 4, 6),
            {
                "type": "shiftedwindowattention3d",
                "window_size": [2, 2],
                "shift_size": [0, 0, 0],
                "num_heads": 2,
            },
            "E102",
            "window_size",
        ),
        (
            (4, 4, 6),
            {
                "type": "shiftedwindowattention3d",
                "window_size": [2, 2, 2],
                "shift_size": [0, 0, 0],
                "num_heads": 2,
            },
            "E102",
            "",
        ),
        ((3, 4, 5), {"type": "permute", "dims": [0, 2, 1]}, "E102", "dims"),
        ((3, 4, 5), {"type": "permute", "dims": [1, 0, 2, 3]}, "E102", "dims"),
        ((3, 4, 5), {"type": "permute", "dims": [0, 1, 1, 2]}, "E102", "dims"),
        ((3, 4, 5), {"type": "transpose", "dim0": 1, "dim1": 4}, "E102", "dim1"),
        ((3, 4, 5), {"type": "transpose", "dim0": -4, "dim1": 1}, "E102", "dim0"),
        ((12, 5), {"type": "unflatten", "dim": 1, "unflattened_size": [5, -1]}, "E102", ""),
        ((12, 5), {"type": "unflatten", "dim": 0, "unflattened_size": [1, -1]}, "E102", "dim"),
        ((3, 4, 5), {"type": "mean", "dim": [2, -2]}, "E102", "dim"),
        ((3, 4, 5), {"type": "sum", "dim": 0}, "E102", "dim"),
        ((3, 4, 5), {"type": "amax", "dim": 4}, "E102", "dim"),
        ((3, 4, 5), {"type": "roll", "shifts": [1, 2], "dims": 2}, "E102", "shifts"),
        ((3, 4, 5), {"type": "roll", "shifts": 1, "dims": 0}, "E102", "dims"),
        ((3, 4, 5), {"type": "select", "dim": 2, "index": 4}, "E102", "index"),
        ((3, 4, 5), {"type": "narrow", "dim": -1, "start": 3, "length": 3}, "E102", "length"),
        (
            (4, 4, 6),
            {
                "type": "shiftedwindowattention",
                "window_size": [2, 2],
                "shift_size": [1, 1],
                "num_heads": 4,
            },
            "E102",
            "num_heads",
        ),
        (
            (4, 4, 6),
            {
                "type": "shiftedwindowattention",
                "dim": 8,
                "window_size": [2, 2],
                "shift_size": [0, 0],
                "num_heads": 2,
            },
            "E102",
            "dim",
        ),
        (
            (4, 4, 6),
            {
                "type": "shiftedwindowattention",
                "window_size": [2, 2, 2],
                "shift_size": [0, 0],
                "num_heads": 2,
            },
            "E102",
            "window_size",
        ),
        (
            (4, 6),
            {
                "type": "shiftedwindowattention",
                "window_size": [2, 2],
                "shift_size": [0, 0],
                "num_heads": 2,
            },
            "E102",
            "",
        ),
        ((2, 5, 5), {"type": "relativepositionbias", "window_size": 2}, "E102", "window_size"),
        (
            (2, 4, 4),
            {"type": "relativepositionbias", "window_size": [2, 2, 2]},
            "E102",
            "window_size",
        ),
        (
            (2, 4, 4),
            {"type": "relativepositionbias", "window_size": 2, "num_heads": 3},
            "E102",
            "num_heads",
        ),
        ((4, 4), {"type": "relativepositionbias", "window_size": 2}, "E102", ""),
        ((2, 8, 4, 5), {"type": "pixelshuffle", "upscale_factor": 2}, "E102", ""),
        ((12, 4, 5), {"type": "pixelshuffle", "upscale_factor": 3}, "E102", "upscale_factor"),
        ((3, 4, 5), {"type": "pixelunshuffle", "downscale_factor": 2}, "E102", "downscale_factor"),
        ((3, 4), {"type": "pixelunshuffle", "downscale_factor": 1}, "E102", ""),
        ((3, 4, 5), {"type": "parameter", "size": [2, 3, 1, 1], "op": "mul"}, "E102", "size"),
        ((3, 4, 5), {"type": "parameter", "size": [1, 1, 3, 1, 1], "op": "add"}, "E102", "size"),
        ((3, 4, 5), {"type": "parameter", "size": [5, 1], "op": "add"}, "E102", "size"),
        ((3, 4), {"type": "parameter", "size": [1, 3], "op": "concat", "dim": 1}, "E102", "size"),
        ((3, 4), {"type": "parameter", "size": [1, 2, 4], "op": "concat"}, "E102", ""),
        ((3, 4), {"type": "parameter", "size": [1, 2, 4], "op": "concat", "dim": 0}, "E102", "dim"),
        ((3, 4), {"type": "parameter", "size": [2, 3], "op": "alone"}, "E102", "size"),
        ((3, 4), {"type": "parameter", "size": [1], "op": "alone"}, "E102", "size"),
        ((3, 4), {"type": "parameter", "size": [1, 3], "op": "alone", "dim": 1}, "E100", "dim"),
        (
            (3, 4),
            {"type": "parameter", "size": [1, 2, 3], "op": "concat", "dim": 1},
            "E102",
            "size",
        ),
    ],
)
def test_layer_refuses(
    shape: tuple[int, ...], layer: dict[str, Any], code: str, field: str
) -> None:
    text = spec(shape, {"name": "X", **layer})
    with pytest.raises(SpecError) as info:
        analyze(loads(text, "t.yaml"))
    (p,) = info.value.problems
    assert p.layer == "X"
    if code:
        assert p.code == code
    if field:  # the message points at the offending key's line
        line = next(
            i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith(f"{field}:")
        )
        assert p.pos.line == line, p.format()


def test_matmul_by_hand() -> None:
    """(2×3×4) @ (2×4×5): 2 matrix products of 3×4 by 4×5, each output element 4 MACs."""
    rep = report(
        (2, 3, 4),
        {"name": "b", "type": "reshape", "shape": [2, 4, 3]},
        {"name": "c", "type": "linear", "out_features": 5},
        {"name": "X", "type": "matmul", "from": ["input", "c"]},
    )
    s = rep.layers[-1]
    assert s.output_shape == (2, 3, 5)
    assert s.counts.macs == s.counts.connections == 2 * 3 * 5 * 4
    assert s.counts.trainable == 0
    assert [v for _, v in checked_explain_lines(s.explain())] == [120]


def test_matmul_refusals_point_at_from() -> None:
    from core_util import problems

    text = spec(
        (2, 3, 4),
        {"name": "c", "type": "linear", "out_features": 5},
        {"name": "X", "type": "matmul", "from": ["input", "c"]},
    )
    (p,) = problems(text).problems
    assert p.layer == "X" and p.code == "E102" and "4 columns vs 3 rows" in p.message
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith("from:"))
    assert p.pos.line == line, p.format()
    flat = spec((6,), {"name": "X", "type": "matmul", "from": ["input", "input"]})
    (p,) = problems(flat).problems
    assert p.code == "E102" and "across the batch" in p.message


def test_permute_and_transpose_reorder_symbolic_sizes() -> None:
    text = spec((3, 4, 5), {"type": "permute", "dims": [0, 2, -1, 1]})
    text = text.replace("height: 4", "height: H").replace("width: 5", "width: W")
    s = analyze(loads(text, "t.yaml")).layers[-1]
    assert [str(d) for d in s.output_shape] == ["H", "W", "3"]
    assert one((3, 4, 5), {"type": "transpose", "dim0": 1, "dim1": -1}).output_shape == (5, 4, 3)
    c = one((3, 4, 5), {"type": "permute", "dims": [0, 3, 1, 2]}).counts
    assert (c.trainable, c.fixed, c.buffers, c.connections, c.macs) == (0, 0, 0, 0, 0)


def test_unflatten_splits_a_concrete_axis_and_refuses_a_symbolic_one() -> None:
    assert one(
        (12, 5), {"type": "unflatten", "dim": 1, "unflattened_size": [3, -1]}
    ).output_shape == (3, 4, 5)
    assert one(
        (12, 5), {"type": "unflatten", "dim": -1, "unflattened_size": [5, 1]}
    ).output_shape == (12, 5, 1)
    text = spec(
        (3, 4, 5), {"name": "X", "type": "unflatten", "dim": 2, "unflattened_size": [2, -1]}
    )
    with pytest.raises(SpecError) as info:
        analyze(loads(text.replace("height: 4", "height: H"), "t.yaml"))
    (p,) = info.value.problems
    assert (p.layer, p.code) == ("X", "E102") and "depends on the input" in p.message


def test_mean_sum_amax_shapes_and_counts() -> None:
    s = one((3, 4, 5), {"type": "mean", "dim": [2, 3], "keepdim": True})
    assert s.output_shape == (3, 1, 1)
    c = s.counts
    assert (c.trainable, c.fixed, c.buffers, c.connections, c.macs) == (0, 0, 0, 60, 0)
    assert one((3, 4, 5), {"type": "sum", "dim": 1}).output_shape == (4, 5)
    assert one((3, 4, 5), {"type": "amax", "dim": [-1, 1, 2]}).output_shape == ()
    text = spec((3, 4, 5), {"type": "mean", "dim": -1, "keepdim": True})
    text = text.replace("height: 4", "height: H").replace("width: 5", "width: W")
    s = analyze(loads(text, "t.yaml")).layers[-1]
    assert [str(d) for d in s.output_shape] == ["3", "H", "1"]
    assert str(s.counts.connections) == "3·H·W"


def test_roll_keeps_symbolic_sizes() -> None:
    text = spec((3, 4, 5), {"type": "roll", "shifts": [-2, 3], "dims": [2, 3]})
    text = text.replace("height: 4", "height: H").replace("width: 5", "width: W")
    s = analyze(loads(text, "t.yaml")).layers[-1]
    assert [str(d) for d in s.output_shape] == ["3", "H", "W"]
    c = s.counts
    assert (c.trainable, c.fixed, c.buffers, c.connections, c.macs) == (0, 0, 0, 0, 0)


def test_select_and_narrow_on_symbolic_sizes() -> None:
    def out(layer: dict[str, Any]) -> list[str]:
        text = spec((3, 4, 5), {"name": "X", **layer}).replace("width: 5", "width: W")
        return [str(d) for d in analyze(loads(text, "t.yaml")).layers[-1].output_shape]

    assert out({"type": "select", "dim": -1, "index": 0}) == ["3", "4"]  # ViT's x[:, 0]
    assert out({"type": "narrow", "dim": 1, "start": 1, "length": 2}) == ["2", "4", "W"]
    with pytest.raises(SpecError) as info:
        out({"type": "narrow", "dim": 3, "start": 1, "length": 2})  # W may be 1 or 2
    assert info.value.problems[0].code == "E102"


def test_parameter_on_symbolic_sizes() -> None:
    """A per-channel scale fits any H, W; a position embedding needs the positions it has."""

    def out(layer: dict[str, Any]) -> list[str]:
        text = spec((3, 4, 5), {"name": "X", **layer}).replace("width: 5", "width: W")
        return [str(d) for d in analyze(loads(text, "t.yaml")).layers[-1].output_shape]

    assert out({"type": "parameter", "size": [3, 1, 1], "op": "mul"}) == ["3", "4", "W"]
    assert out({"type": "parameter", "size": [1, 3, 2, 5], "op": "concat", "dim": 2}) == [
        "3", "6", "W"
    ]  # fmt: skip
    with pytest.raises(SpecError) as info:
        out({"type": "parameter", "size": [1, 4, 5], "op": "add"})  # W may be other than 5
    assert info.value.problems[0].code == "E102"


def test_shiftedwindowattentionv2_by_hand() -> None:
    """Swin-V2-T's first attention: qkv 3·96·97 + proj 96·97 + logit_scale 3 = 37,251; index
    64²; MACs over 56·56 positions 56·56·96·(4·96 + 2·64); per position the projections'
    links, q·kᵀ and attn·v, and per logit a scale and a bias, 2·64·3. The bias table, its
    second input (cpb_mlp's output in torchvision), is a buffer of that shape here."""
    rep = report(
        (56, 56, 96),
        {"name": "T", "type": "parameter", "op": "alone", "buffer": True, "size": [1, 15, 15, 3]},
        {
            "name": "X",
            "type": "shiftedwindowattentionv2",
            "from": ["input", "T"],
            "window_size": [8, 8],
            "shift_size": [4, 4],
            "num_heads": 3,
        },
    )
    t, s = rep.layers
    assert t.output_shape == (15, 15, 3)
    assert (t.counts.params, t.counts.buffers, t.counts.connections) == (0, 675, 0)
    assert s.output_shape == (56, 56, 96)
    c = s.counts
    assert (c.trainable, c.fixed, c.buffers) == (37_251, 0, 4_096)
    assert c.macs == 56 * 56 * 96 * (4 * 96 + 2 * 64)
    assert c.connections == 56 * 56 * (288 * 97 + 96 * 97 + 2 * 64 * 96 + 2 * 64 * 3)
    explained = dict(checked_explain_lines(s.explain()))
    assert explained == {"params": 37_251, "buffers": 4_096, "MACs": c.macs}


def test_shiftedwindowattentionv2_refusals_point_at_from() -> None:
    from core_util import problems

    attn = {"name": "X", "type": "shiftedwindowattentionv2", "window_size": [2, 2],
            "shift_size": [0, 0], "num_heads": 2}  # fmt: skip
    table = {"name": "T", "type": "parameter", "op": "alone", "size": [1, 3, 3, 3]}
    text = spec((4, 4, 6), table, {**attn, "from": ["input", "T"]})
    (p,) = problems(text).problems
    assert (p.layer, p.code) == ("X", "E102") and "take 3×3×2" in p.message, p.format()
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith("from:"))
    assert p.pos.line == line, p.format()
    (p,) = problems(spec((4, 4, 6), attn)).problems
    assert (p.layer, p.code) == ("X", "E105") and "takes 2 input" in p.message, p.format()


def test_headwiseconv3d_by_hand() -> None:
    """MViT-V2-S block 1's pool_k: 2 heads of 96 channels, 8×56×56 pooled 3×3×3 / 1×4×4 (padding
    1) to 8×14×14, depthwise and without a bias: 96·27 weights for both heads; connections and
    MACs once per head."""
    rep = report(
        (192, 8, 56, 56),
        {"type": "unflatten", "dim": 1, "unflattened_size": [2, 96]},
        {"name": "P", "type": "headwiseconv3d", "out_channels": 96, "kernel_size": 3,
         "stride": [1, 4, 4], "padding": 1, "groups": 96, "bias": False},
    )  # fmt: skip
    s = rep.layers[-1]
    assert s.output_shape == (2, 96, 8, 14, 14)
    c = s.counts
    assert (c.trainable, c.buffers) == (2_592, 0)
    assert c.macs == c.connections == 2 * 96 * 8 * 14 * 14 * 27
    explained = dict(checked_explain_lines(s.explain()))
    assert explained == {"D": 8, "H": 14, "W": 14, "params": 2_592,
                         "connections": c.connections, "MACs": c.macs}  # fmt: skip


def test_multiscaleattention_by_hand() -> None:
    """MViT-V2-S block 1's attention: q 2 heads × (1 + 8·28·28) × 96, k and v 2 × (1 + 8·14·14)
    × 96; rel_pos_h and rel_pos_w 2·max(56 // 2, 56 // 4) − 1 = 55 rows, rel_pos_t 2·8 − 1;
    MACs q·kᵀ and attn·v, and the relative position's einsums and matmul over the 6,272
    pooled queries (the class token has none)."""

    def tensor(name: str, *size: int) -> dict[str, Any]:
        return {"name": name, "type": "parameter", "op": "alone", "buffer": True,
                "from": "input", "size": [1, *size]}  # fmt: skip

    rep = report(
        (4, 4),
        tensor("q", 2, 6273, 96),
        tensor("k", 2, 1569, 96),
        tensor("v", 2, 1569, 96),
        {"name": "A", "type": "multiscaleattention", "from": ["q", "k", "v"],
         "input_size": [8, 56, 56], "kernel_q": 3, "stride_q": [1, 2, 2], "kernel_kv": 3,
         "stride_kv": [1, 4, 4], "rel_pos": True, "residual_pool": True},
    )  # fmt: skip
    s = rep.layers[-1]
    assert s.output_shape == (6273, 192)
    c = s.counts
    assert (c.trainable, c.buffers) == ((55 + 55 + 15) * 96, 0)
    assert c.macs == 2 * 2 * 6273 * 1569 * 96 + 2 * 6272 * 96 * (14 + 14 + 8)
    explained = dict(checked_explain_lines(s.explain()))
    assert explained == {"params": 12_000, "MACs": c.macs}


def test_multiscaleattention_refuses_tokens_that_miss_the_grid() -> None:
    from core_util import problems

    q = {"name": "q", "type": "parameter", "op": "alone", "size": [1, 2, 11, 4]}  # 9 + 1 tokens
    attn = {"name": "A", "type": "multiscaleattention", "from": ["q", "q", "q"],
            "input_size": [1, 3, 3]}  # fmt: skip
    (p,) = problems(spec((4, 4), q, attn)).problems
    assert (p.layer, p.code) == ("A", "E102") and "should be" in p.message, p.format()


def test_positionalencoding_by_hand() -> None:
    """MViT-V1-B's: 8·56·56 tokens of 96, the class token first; class_token 96, spatial_pos
    56·56·96, temporal_pos 8·96, class_pos 96; v2 (rel_pos_embed) the class token only."""
    layer = {"type": "positionalencoding", "grid": [8, 56, 56]}
    s = one((8 * 56 * 56, 96), layer)
    assert s.output_shape == (25_089, 96)
    assert (s.counts.trainable, s.counts.macs, s.counts.connections) == (
        302_016,
        0,
        2 * 25_089 * 96,
    )
    assert dict(checked_explain_lines(s.explain())) == {"params": 302_016}
    s = one((8 * 56 * 56, 96), {**layer, "rel_pos_embed": True})
    assert (s.output_shape, s.counts.trainable, s.counts.connections) == ((25_089, 96), 96, 0)
    from core_util import problems

    (p,) = problems(spec((10, 4), {"name": "P", **layer})).problems
    assert (p.layer, p.code) == ("P", "E102") and "grid has 25088" in p.message, p.format()
