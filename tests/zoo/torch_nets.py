"""Plain torch.nn builds of the zoo networks torchvision's json does not cover, written after
torchvision's own code (torchvision does not import here) with its module names, in
inference form. `describe` measures one with torch: parameters, buffers, conv+linear MACs
(torch.utils.flop_counter, FLOPs/2), and every leaf module call's output shape, in the
json's format, so tests/zoo/reference.py compares both kinds of reference the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode


def make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """torchvision.models._utils._make_divisible, verbatim."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def conv_norm_act(
    cin: int,
    cout: int,
    k: int = 3,
    stride: int = 1,
    groups: int = 1,
    norm: Callable[[int], nn.Module] = nn.BatchNorm2d,
    act: type[nn.Module] | None = nn.ReLU,
) -> nn.Sequential:
    """torchvision.ops.Conv2dNormActivation."""
    layers: list[nn.Module] = [
        nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
        norm(cout),
    ]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


class SqueezeExcitation(nn.Module):
    """torchvision.ops.SqueezeExcitation."""

    def __init__(
        self,
        c: int,
        squeeze: int,
        act: type[nn.Module] = nn.ReLU,
        scale: type[nn.Module] = nn.Sigmoid,
    ) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(c, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, c, 1)
        self.activation = act()
        self.scale_activation = scale()

    def forward(self, x: Tensor) -> Tensor:
        s = self.fc2(self.activation(self.fc1(self.avgpool(x))))
        return self.scale_activation(s) * x


# ---- SqueezeNet ---------------------------------------------------------------------------
class Fire(nn.Module):
    def __init__(self, cin: int, s: int, e1: int, e3: int) -> None:
        super().__init__()
        self.squeeze = nn.Conv2d(cin, s, 1)
        self.squeeze_activation = nn.ReLU()
        self.expand1x1 = nn.Conv2d(s, e1, 1)
        self.expand1x1_activation = nn.ReLU()
        self.expand3x3 = nn.Conv2d(s, e3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat(
            [
                self.expand1x1_activation(self.expand1x1(x)),
                self.expand3x3_activation(self.expand3x3(x)),
            ],
            1,
        )


class SqueezeNet(nn.Module):
    def __init__(self, version: str) -> None:
        super().__init__()
        pool = lambda: nn.MaxPool2d(3, 2, ceil_mode=True)  # noqa: E731
        if version == "1_0":
            self.features = nn.Sequential(
                nn.Conv2d(3, 96, 7, 2),
                nn.ReLU(),
                pool(),
                Fire(96, 16, 64, 64),
                Fire(128, 16, 64, 64),
                Fire(128, 32, 128, 128),
                pool(),
                Fire(256, 32, 128, 128),
                Fire(256, 48, 192, 192),
                Fire(384, 48, 192, 192),
                Fire(384, 64, 256, 256),
                pool(),
                Fire(512, 64, 256, 256),
            )
        else:
            self.features = nn.Sequential(
                nn.Conv2d(3, 64, 3, 2),
                nn.ReLU(),
                pool(),
                Fire(64, 16, 64, 64),
                Fire(128, 16, 64, 64),
                pool(),
                Fire(128, 32, 128, 128),
                Fire(256, 32, 128, 128),
                pool(),
                Fire(256, 48, 192, 192),
                Fire(384, 48, 192, 192),
                Fire(384, 64, 256, 256),
                Fire(512, 64, 256, 256),
            )
        self.classifier = nn.Sequential(
            nn.Dropout(0.5), nn.Conv2d(512, 1000, 1), nn.ReLU(), nn.AdaptiveAvgPool2d((1, 1))
        )

    def forward(self, x: Tensor) -> Tensor:
        return torch.flatten(self.classifier(self.features(x)), 1)


# ---- DenseNet-121 ---------------------------------------------------------------------------
class DenseLayer(nn.Module):
    def __init__(self, cin: int, growth: int = 32, bn_size: int = 4) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(cin)
        self.relu1 = nn.ReLU()
        self.conv1 = nn.Conv2d(cin, bn_size * growth, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth)
        self.relu2 = nn.ReLU()
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, padding=1, bias=False)

    def forward(self, features: list[Tensor]) -> Tensor:
        x = self.conv1(self.relu1(self.norm1(torch.cat(features, 1))))
        return self.conv2(self.relu2(self.norm2(x)))


class DenseBlock(nn.ModuleDict):
    def __init__(self, n: int, cin: int) -> None:
        super().__init__({f"denselayer{i + 1}": DenseLayer(cin + i * 32) for i in range(n)})

    def forward(self, x: Tensor) -> Tensor:
        features = [x]
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)


class Transition(nn.Sequential):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.add_module("norm", nn.BatchNorm2d(cin))
        self.add_module("relu", nn.ReLU())
        self.add_module("conv", nn.Conv2d(cin, cout, 1, bias=False))
        self.add_module("pool", nn.AvgPool2d(2, 2))


class DenseNet121(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential()
        for name, m in (
            ("conv0", nn.Conv2d(3, 64, 7, 2, 3, bias=False)),
            ("norm0", nn.BatchNorm2d(64)),
            ("relu0", nn.ReLU()),
            ("pool0", nn.MaxPool2d(3, 2, 1)),
        ):
            self.features.add_module(name, m)
        c = 64
        for i, n in enumerate((6, 12, 24, 16)):
            self.features.add_module(f"denseblock{i + 1}", DenseBlock(n, c))
            c += n * 32
            if i != 3:
                self.features.add_module(f"transition{i + 1}", Transition(c, c // 2))
                c //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(c))
        self.classifier = nn.Linear(c, 1000)

    def forward(self, x: Tensor) -> Tensor:
        out = F.adaptive_avg_pool2d(F.relu(self.features(x)), (1, 1))
        return self.classifier(torch.flatten(out, 1))


# ---- ShuffleNetV2 x1.0 ----------------------------------------------------------------------
def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    b, c, h, w = x.size()
    x = x.view(b, groups, c // groups, h, w).transpose(1, 2).contiguous()
    return x.view(b, -1, h, w)


class ShuffleUnit(nn.Module):
    def __init__(self, inp: int, oup: int, stride: int) -> None:
        super().__init__()
        self.stride = stride
        bf = oup // 2

        def dw(c: int) -> nn.Conv2d:
            return nn.Conv2d(c, c, 3, stride, 1, bias=False, groups=c)

        self.branch1 = (
            nn.Sequential(
                dw(inp),
                nn.BatchNorm2d(inp),
                nn.Conv2d(inp, bf, 1, bias=False),
                nn.BatchNorm2d(bf),
                nn.ReLU(),
            )
            if stride > 1
            else nn.Sequential()
        )
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if stride > 1 else bf, bf, 1, bias=False),
            nn.BatchNorm2d(bf),
            nn.ReLU(),
            dw(bf),
            nn.BatchNorm2d(bf),
            nn.Conv2d(bf, bf, 1, bias=False),
            nn.BatchNorm2d(bf),
            nn.ReLU(),
        )

    def forward(self, x: Tensor) -> Tensor:
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


class ShuffleNetV2(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Sequential(
            nn.Conv2d(3, 24, 3, 2, 1, bias=False), nn.BatchNorm2d(24), nn.ReLU()
        )
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        c = 24
        for name, repeats, out in (("stage2", 4, 116), ("stage3", 8, 232), ("stage4", 4, 464)):
            units = [ShuffleUnit(c, out, 2)] + [
                ShuffleUnit(out, out, 1) for _ in range(repeats - 1)
            ]
            setattr(self, name, nn.Sequential(*units))
            c = out
        self.conv5 = nn.Sequential(
            nn.Conv2d(c, 1024, 1, bias=False), nn.BatchNorm2d(1024), nn.ReLU()
        )
        self.fc = nn.Linear(1024, 1000)

    def forward(self, x: Tensor) -> Tensor:
        x = self.stage4(self.stage3(self.stage2(self.maxpool(self.conv1(x)))))
        return self.fc(self.conv5(x).mean([2, 3]))


# ---- EfficientNet-B0 ------------------------------------------------------------------------
class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth in inference: the identity."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x: Tensor) -> Tensor:
        return x


class MBConv(nn.Module):
    def __init__(self, inp: int, out: int, t: int, k: int, stride: int, p: float) -> None:
        super().__init__()
        self.use_res_connect = stride == 1 and inp == out
        bn = lambda c: nn.BatchNorm2d(c, eps=0.001)  # noqa: E731
        expanded = make_divisible(inp * t, 8)
        layers: list[nn.Module] = []
        if expanded != inp:
            layers.append(conv_norm_act(inp, expanded, 1, norm=bn, act=nn.SiLU))
        layers.append(conv_norm_act(expanded, expanded, k, stride, expanded, norm=bn, act=nn.SiLU))
        layers.append(SqueezeExcitation(expanded, max(1, inp // 4), act=nn.SiLU))
        layers.append(conv_norm_act(expanded, out, 1, norm=bn, act=None))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(p, "row")

    def forward(self, x: Tensor) -> Tensor:
        result = self.block(x)
        if self.use_res_connect:
            result = self.stochastic_depth(result) + x
        return result


class EfficientNetB0(nn.Module):
    SETTING = (
        (1, 3, 1, 32, 16, 1),
        (6, 3, 2, 16, 24, 2),
        (6, 5, 2, 24, 40, 2),
        (6, 3, 2, 40, 80, 3),
        (6, 5, 1, 80, 112, 3),
        (6, 5, 2, 112, 192, 4),
        (6, 3, 1, 192, 320, 1),
    )

    def __init__(self) -> None:
        super().__init__()
        bn = lambda c: nn.BatchNorm2d(c, eps=0.001)  # noqa: E731
        layers: list[nn.Module] = [conv_norm_act(3, 32, 3, 2, norm=bn, act=nn.SiLU)]
        block_id = 0
        for t, k, s, inp, out, n in self.SETTING:
            stage = []
            for i in range(n):
                stage.append(
                    MBConv(
                        inp if i == 0 else out, out, t, k, s if i == 0 else 1, 0.2 * block_id / 16
                    )
                )
                block_id += 1
            layers.append(nn.Sequential(*stage))
        layers.append(conv_norm_act(320, 1280, 1, norm=bn, act=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, 1000))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


# ---- GoogLeNet --------------------------------------------------------------------------------
class BasicConv2d(nn.Module):
    def __init__(self, cin: int, cout: int, **kw: Any) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, bias=False, **kw)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    def __init__(self, cin: int, c1: int, c3r: int, c3: int, c5r: int, c5: int, pp: int) -> None:
        super().__init__()
        self.branch1 = BasicConv2d(cin, c1, kernel_size=1)
        self.branch2 = nn.Sequential(
            BasicConv2d(cin, c3r, kernel_size=1), BasicConv2d(c3r, c3, kernel_size=3, padding=1)
        )
        self.branch3 = nn.Sequential(
            BasicConv2d(cin, c5r, kernel_size=1), BasicConv2d(c5r, c5, kernel_size=3, padding=1)
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, 1, 1, ceil_mode=True), BasicConv2d(cin, pp, kernel_size=1)
        )

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class GoogLeNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = BasicConv2d(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, kernel_size=1)
        self.conv3 = BasicConv2d(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(1024, 1000)

    def forward(self, x: Tensor) -> Tensor:
        for m in list(self.children())[:-2]:
            x = m(x)
        return self.fc(self.dropout(torch.flatten(x, 1)))


# ---- MobileNetV3-Large ------------------------------------------------------------------------
class V3Block(nn.Module):
    def __init__(self, inp: int, k: int, exp: int, out: int, se: bool, hs: bool, s: int) -> None:
        super().__init__()
        self.use_res_connect = s == 1 and inp == out
        act = nn.Hardswish if hs else nn.ReLU
        bn = lambda c: nn.BatchNorm2d(c, eps=0.001, momentum=0.01)  # noqa: E731
        layers: list[nn.Module] = []
        if exp != inp:
            layers.append(conv_norm_act(inp, exp, 1, norm=bn, act=act))
        layers.append(conv_norm_act(exp, exp, k, s, exp, norm=bn, act=act))
        if se:
            layers.append(SqueezeExcitation(exp, make_divisible(exp // 4, 8), scale=nn.Hardsigmoid))
        layers.append(conv_norm_act(exp, out, 1, norm=bn, act=None))
        self.block = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        y = self.block(x)
        return y + x if self.use_res_connect else y


class MobileNetV3Large(nn.Module):
    SETTING = (
        (16, 3, 16, 16, False, False, 1),
        (16, 3, 64, 24, False, False, 2),
        (24, 3, 72, 24, False, False, 1),
        (24, 5, 72, 40, True, False, 2),
        (40, 5, 120, 40, True, False, 1),
        (40, 5, 120, 40, True, False, 1),
        (40, 3, 240, 80, False, True, 2),
        (80, 3, 200, 80, False, True, 1),
        (80, 3, 184, 80, False, True, 1),
        (80, 3, 184, 80, False, True, 1),
        (80, 3, 480, 112, True, True, 1),
        (112, 3, 672, 112, True, True, 1),
        (112, 5, 672, 160, True, True, 2),
        (160, 5, 960, 160, True, True, 1),
        (160, 5, 960, 160, True, True, 1),
    )

    def __init__(self) -> None:
        super().__init__()
        bn = lambda c: nn.BatchNorm2d(c, eps=0.001, momentum=0.01)  # noqa: E731
        layers: list[nn.Module] = [conv_norm_act(3, 16, 3, 2, norm=bn, act=nn.Hardswish)]
        layers += [V3Block(*row) for row in self.SETTING]
        layers.append(conv_norm_act(160, 960, 1, norm=bn, act=nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Linear(960, 1280), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(1280, 1000)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


# ---- R3D-18 -------------------------------------------------------------------------------------
class Basic3d(nn.Module):
    def __init__(self, inp: int, planes: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Sequential(
            nn.Conv3d(inp, planes, 3, stride, 1, bias=False), nn.BatchNorm3d(planes), nn.ReLU()
        )
        self.conv2 = nn.Sequential(
            nn.Conv3d(planes, planes, 3, 1, 1, bias=False), nn.BatchNorm3d(planes)
        )
        self.relu = nn.ReLU()
        self.downsample = (
            nn.Sequential(nn.Conv3d(inp, planes, 1, stride, bias=False), nn.BatchNorm3d(planes))
            if stride != 1 or inp != planes
            else None
        )

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv2(self.conv1(x))
        return self.relu(out + (self.downsample(x) if self.downsample is not None else x))


class R3D18(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv3d(3, 64, (3, 7, 7), (1, 2, 2), (1, 3, 3), bias=False),
            nn.BatchNorm3d(64),
            nn.ReLU(),
        )
        c = 64
        for i, planes in enumerate((64, 128, 256, 512)):
            stride = 1 if i == 0 else 2
            setattr(
                self,
                f"layer{i + 1}",
                nn.Sequential(Basic3d(c, planes, stride), Basic3d(planes, planes, 1)),
            )
            c = planes
        self.avgpool = nn.AdaptiveAvgPool3d((1, 1, 1))
        self.fc = nn.Linear(512, 400)

    def forward(self, x: Tensor) -> Tensor:
        for m in (self.stem, self.layer1, self.layer2, self.layer3, self.layer4, self.avgpool):
            x = m(x)
        return self.fc(x.flatten(1))


class InvertedResidual(nn.Module):
    """torchvision.models.mobilenetv2.InvertedResidual."""

    def __init__(self, inp: int, oup: int, stride: int, t: int) -> None:
        super().__init__()
        hidden = round(inp * t)  # torchvision: int(round(...))
        self.use_res_connect = stride == 1 and inp == oup
        layers: list[nn.Module] = []
        if t != 1:
            layers.append(conv_norm_act(inp, hidden, 1, act=nn.ReLU6))
        layers += [
            conv_norm_act(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6),
            nn.Conv2d(hidden, oup, 1, 1, 0, bias=False),
            nn.BatchNorm2d(oup),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """torchvision.models.mobilenetv2.MobileNetV2 with its width_mult (round_nearest 8)."""

    def __init__(self, width_mult: float = 1.0) -> None:
        super().__init__()
        table = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1]]
        table += [[6, 160, 3, 2], [6, 320, 1, 1]]
        inp = make_divisible(32 * width_mult, 8)
        last = make_divisible(1280 * max(1.0, width_mult), 8)
        features: list[nn.Module] = [conv_norm_act(3, inp, 3, 2, act=nn.ReLU6)]
        for t, c, n, s in table:
            out = make_divisible(c * width_mult, 8)
            for i in range(n):
                features.append(InvertedResidual(inp, out, s if i == 0 else 1, t))
                inp = out
        features.append(conv_norm_act(inp, last, 1, act=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(last, 1000))

    def forward(self, x: Tensor) -> Tensor:
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


# ---- measuring ----------------------------------------------------------------------------------
def _run(
    model: nn.Module, shape: tuple[int, ...]
) -> tuple[list[dict[str, Any]], tuple[int, ...], int]:
    leaves = [(n, m) for n, m in model.named_modules() if n and not list(m.children())]
    calls: list[dict[str, Any]] = []

    def hook(name: str, m: nn.Module) -> Callable[..., None]:
        def record(_m: nn.Module, _inp: Any, out: Tensor) -> None:
            calls.append(
                {
                    "name": name,
                    "out": list(out.shape),
                    "params": sum(p.numel() for p in m.parameters()),
                }
            )

        return record

    handles = [m.register_forward_hook(hook(n, m)) for n, m in leaves]
    counter = FlopCounterMode(display=False)
    try:
        with counter, torch.no_grad():
            y = model(torch.empty(1, *shape, device="meta"))
    finally:
        for h in handles:
            h.remove()
    flops = counter.get_flop_counts()["Global"]
    macs = (
        sum(v for k, v in flops.items() if str(k) in ("aten.convolution", "aten.addmm", "aten.mm"))
        // 2
    )
    return calls, tuple(y.shape), macs


def describe(
    model: nn.Module, shape: tuple[int, ...], others: tuple[tuple[int, ...], ...] = ()
) -> dict[str, Any]:
    """torch's figures for a model on the meta device, as torchvision_zoo.json records them."""
    model = model.to("meta").eval()
    layers, out, macs = _run(model, shape)
    other_inputs = {}
    for o in others:
        ls, oo, _ = _run(model, o)
        other_inputs["x".join(map(str, o))] = {
            "output": list(oo),
            "layers": [[c["name"], c["out"]] for c in ls],
        }
    return {
        "input": [1, *shape],
        "output": list(out),
        "params_total": sum(p.numel() for p in model.parameters()),
        "params_trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "buffer_elements": sum(b.numel() for b in model.buffers()),
        "macs_conv_linear": macs,
        "layers": layers,
        "other_inputs": other_inputs,
    }


def build(factory: Callable[[], nn.Module]) -> nn.Module:
    with torch.device("meta"):
        return factory()
