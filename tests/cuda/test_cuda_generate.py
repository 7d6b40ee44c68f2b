"""The CUDA generator without a compiler: forms chosen, weights layout against the generated
torch module's state_dict (built by torch on the meta device), located errors, the CLI."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from cu_cases import COVERAGE, ZOO, report, torch_layout, zoo
from typer.testing import CliRunner

from cnncalc.api import analyze, load, loads
from cnncalc.cli.app import app
from cnncalc.codegen.cuda import CudaModule, generate
from cnncalc.errors import SpecError, UsageError
from cnncalc.layers.conv import Conv

ALL = zoo(full=True) + COVERAGE


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_weights_layout_is_the_torch_state_dict(path: Path) -> None:
    rep = report(path)
    module = generate(rep)
    assert [(w.key, w.shape) for w in module.weights] == torch_layout(rep)
    offsets = [w.offset for w in module.weights]
    sizes = [w.size for w in module.weights]
    assert offsets == [sum(sizes[:k]) for k in range(len(sizes))]
    # cnncalc's own count, less one num_batches_tracked (an integer, left out) per layer
    # declaring one: a BatchNorm, an InstanceNorm with running statistics
    t = rep.totals
    norms = sum(
        1
        for s in rep.layers
        for x in s.input_shapes[:1]
        for tensor in s.node.layer.state(x, s.node.layer.infer(s.input_shapes))
        if tensor.dtype == "int64"
    )
    assert module.weights_count == t.trainable + t.fixed + t.buffers - norms


def test_forms() -> None:
    lenet = generate(report(ZOO / "lenet5.yaml"))
    assert (lenet.mode, lenet.kernels) == ("fused", 1)
    assert "__syncthreads" in lenet.files["lenet_5.cu"]
    resnet = generate(report(ZOO / "resnet18.yaml"))
    assert resnet.mode == "layered"
    # conv, BatchNorm (folded), residual add and ReLU are one step: 20 convolutions, the
    # max pooling, the average pooling and the classifier
    assert resnet.kernels == 23
    layered = generate(report(ZOO / "lenet5.yaml"), "layered")
    assert layered.kernels == 7 and "lenet_5_fused" not in layered.files["lenet_5.cu"]


def test_files_and_header() -> None:
    m = generate(report(ZOO / "lenet5.yaml"))
    assert set(m.files) == {
        "lenet_5.cu",
        "lenet_5.h",
        "lenet_5.py",
        "Makefile",
        "README.md",
        "layout.json",
    }
    h = m.files["lenet_5.h"]
    for fn in ("create", "create_from_file", "forward", "forward_async", "destroy", "last_error"):
        assert f"lenet_5_{fn}(" in h
    assert "#define LENET_5_WEIGHTS_COUNT 60840" in h
    assert "| C3.weight | 60×5×5 | 168 | 1,500 |" in m.files["README.md"]


def test_prefix() -> None:
    m = generate(report(ZOO / "lenet5.yaml"), prefix="digits")
    assert "digits.cu" in m.files and "int digits_forward(" in m.files["digits.h"]
    with pytest.raises(UsageError):
        generate(report(ZOO / "lenet5.yaml"), prefix="not an identifier")


HEAD = "name: n\ninput: {channels: 2, height: 4, width: 4}\nlayers:\n"


def _problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as err:
        generate(analyze(loads(text, "bad.yaml")))
    return [p.format() for p in err.value.problems]


def test_unsupported_option_is_located() -> None:
    text = HEAD + "  - {type: upsample, scale_factor: 2, mode: bicubic}\n"
    [msg] = _problems(text)
    assert (
        msg.startswith("bad.yaml:4:") and "E301" in msg and "'bicubic'" in msg and "upsample" in msg
    )


def test_batch_statistics_refused() -> None:
    text = HEAD + "  - {name: bn, type: batchnorm2d, track_running_stats: false}\n"
    [msg] = _problems(text)
    assert msg.startswith("bad.yaml:4:") and "layer 'bn'" in msg and "track_running_stats" in msg


def test_unsupported_layer_kind_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """A layer kind without a lowering (here: convolution, its lowering removed) is refused
    with its name and position; no code is written."""
    lower = importlib.import_module("cnncalc.codegen.cuda.lower")
    lower.LOWERINGS.load()  # import every op module first
    monkeypatch.delitem(lower.LOWERINGS.entries, Conv)
    with pytest.raises(SpecError) as err:
        generate(report(ZOO / "lenet5.yaml"))
    [msg] = [p.format() for p in err.value.problems]  # the layers after C1 depend on it
    assert msg.split(": ")[0].endswith("lenet5.yaml:6:16")  # C1's `type:`
    assert "layer 'C1'" in msg and "does not support layer type 'conv2d'" in msg


def test_symbolic_input_needs_a_concrete_one() -> None:
    net = load(ZOO / "resnet18.yaml")
    from cnncalc.api import parse_input

    with pytest.raises(SpecError) as err:
        generate(analyze(net, parse_input("3xHxW", net)))
    assert "concrete" in str(err.value) and "--input" in str(err.value)


def test_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "lenet"
    done = runner.invoke(app, ["codegen", "cuda", str(ZOO / "lenet5.yaml"), "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert (out / "lenet_5.cu").read_text().startswith("// LeNet-5: CUDA inference module")
    bad = runner.invoke(
        app, ["codegen", "cuda", str(ZOO / "resnet18.yaml"), "-o", str(out), "--mode", "fused"]
    )
    assert bad.exit_code == 2 and "shared memory" in bad.output
    sym = runner.invoke(
        app, ["codegen", "cuda", str(ZOO / "resnet18.yaml"), "-o", str(out), "-i", "3xHxW"]
    )
    assert sym.exit_code == 1 and "E300" in sym.output and "Traceback" not in sym.output


def test_sizes_beyond_32_bit_indices_are_refused() -> None:
    net = load(ZOO / "vgg16.yaml")
    from cnncalc.api import parse_input

    with pytest.raises(SpecError) as err:
        generate(analyze(net, parse_input("3x8000x8000", net)))
    assert "E302" in str(err.value) and "32-bit" in str(err.value)


def test_integers_beyond_32_bits_are_refused_where_written() -> None:
    """A stride of 2³³ gives a 1×1 output that cnncalc counts exactly, but the kernels would
    multiply by it in 32-bit C (`int ih = oh * 8589934592 + kh;` was generated): refused at
    the field, for each layer."""
    from cnncalc.api import loads

    net = loads(
        "name: bs\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n"
        "  - {type: conv2d, out_channels: 4, kernel_size: 1, stride: 8589934592}\n"
        "  - {type: maxpool2d, kernel_size: 1, dilation: [1, 4294967296]}\n",
        "bs.yaml",
    )
    with pytest.raises(SpecError) as err:
        generate(analyze(net))
    got = [(p.pos.line, p.code, p.layer) for p in err.value.problems]
    assert got == [(4, "E302", "conv2d_1"), (5, "E302", "maxpool2d_1")]
    assert "stride is 8,589,934,592" in str(err.value) and "dilation is 4,294,967,296" in str(
        err.value
    )


def test_cuda_is_a_backend_by_name(tmp_path: Path) -> None:
    """`cnncalc.api.generate(report, "cuda")` gives the module `cnncalc codegen cuda` writes:
    its files by name (issue 13: it was an unknown code generator)."""
    from cnncalc import api

    rep = report(ZOO / "lenet5.yaml")
    module = api.generate(rep, "cuda")
    assert isinstance(module, CudaModule) and module.mode == "fused"
    out = tmp_path / "cli"
    done = CliRunner().invoke(app, ["codegen", "cuda", str(ZOO / "lenet5.yaml"), "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == module.files
    with pytest.raises(UsageError, match="one of: torch, cuda"):
        api.generate(rep, "tensorflow")


def test_each_backend_takes_its_own_options_through_the_one_interface(tmp_path: Path) -> None:
    """Issue 14: the CLI reaches CUDA as it reaches torch, `api.generate(report, name,
    **options)`; an option the backend does not take is a usage error, never ignored."""
    from cnncalc import api

    rep = report(ZOO / "lenet5.yaml")
    module = api.generate(rep, "cuda", mode="layered", prefix="net5")
    assert module.mode == "layered" and module.prefix == "net5"
    out = tmp_path / "cli"
    args = ["codegen", "cuda", str(ZOO / "lenet5.yaml"), "-o", str(out)]
    done = CliRunner().invoke(app, [*args, "--mode", "layered", "--prefix", "net5"])
    assert done.exit_code == 0, done.output
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == module.files
    narrow = api.generate(rep, "torch", line_length=60).code
    assert narrow != api.generate(rep, "torch").code  # the torch backend's own option
    with pytest.raises(UsageError, match="no option 'line_length'; its options: mode, prefix"):
        api.generate(rep, "cuda", line_length=60)
    with pytest.raises(UsageError, match="no option 'mode'"):
        api.generate(rep, "torch", mode="fused")
