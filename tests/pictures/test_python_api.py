"""`import cnncalc`: the documented API (docs/api.md). Its JSON is the command line's JSON
(one renderer), its figures are torch's (tests/data/torchvision_full.json), and importing
it costs nothing until a name is used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cnncalc
from cnncalc.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
LENET = ROOT / "specs" / "lenet5.yaml"
TORCH = json.loads((ROOT / "tests" / "data" / "torchvision_full.json").read_text("utf-8"))


def cli(*args: str) -> str:
    res = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    return str(res.stdout)


def test_import_alone_loads_no_api() -> None:
    code = (
        "import sys, cnncalc\n"
        "print(sorted(m for m in sys.modules if m.startswith('cnncalc')))\n"
        "cnncalc.analyze\n"
        "print('cnncalc.api' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout.splitlines()
    assert out == ["['cnncalc']", "True"]


@pytest.mark.parametrize("model", ["resnet18", "resnet50", "densenet121"])
def test_totals_are_torchs(model: str) -> None:
    report = cnncalc.analyze(ROOT / "specs" / f"{model}.yaml")
    want = TORCH["models"][model]
    assert report.totals.params == want["params_total"]
    assert report.totals.trainable == want["params_trainable"]
    assert report.totals.buffers == want["buffer_elements"]
    assert report.outputs == (tuple(want["output"][1:]),)


def test_a_path_yaml_text_and_a_loaded_spec_give_one_report() -> None:
    text = LENET.read_text("utf-8")
    reports = [
        cnncalc.analyze(str(LENET)),
        cnncalc.analyze(LENET),
        cnncalc.analyze(text),
        cnncalc.analyze(cnncalc.load(LENET)),
        cnncalc.analyze(cnncalc.loads(text, "lenet5.yaml")),
    ]
    dicts = [r.to_dict() for r in reports]
    assert all(d == dicts[0] for d in dicts)
    assert reports[0].totals.trainable == 60_000  # the paper's (tests/data/lenet5.md)


def test_input_and_symbols_as_the_command_line_takes_them() -> None:
    big = cnncalc.analyze(ROOT / "specs" / "resnet18.yaml", "3x512x512")
    assert big.layer("conv1").output_shape == (64, 256, 256)
    sym = cnncalc.analyze(ROOT / "specs" / "unet.yaml", "1xHxW", symbols="H>=32, W>=32")
    assert sym.to_json() == cli(
        "params", str(ROOT / "specs" / "unet.yaml"), "-i", "1xHxW", "--symbols", "H>=32, W>=32",
        "--format", "json",
    ).rstrip("\n")  # fmt: skip


@pytest.mark.parametrize("spec", ["lenet5", "resnet50", "unet"])
def test_to_json_is_params_format_json(spec: str) -> None:
    path = str(ROOT / "specs" / f"{spec}.yaml")
    report = cnncalc.analyze(path)
    assert report.to_json() + "\n" == cli("params", path, "--format", "json")
    assert report.to_json(full=False) + "\n" == cli("shapes", path, "--format", "json")
    explained = cli("params", path, "--format", "json", "--explain", "--dtype", "float16")
    assert report.to_json(explain=True, dtype="float16") + "\n" == explained
    assert report.to_dict(explain=True, dtype="float16") == json.loads(explained)


def test_per_layer_records() -> None:
    report = cnncalc.analyze(LENET)
    row = report.layer("C3")
    assert (row.type, row.output_shape, row.counts.trainable) == ("conv2d", (16, 10, 10), 1516)
    assert row.input_shapes == ((6, 14, 14),)
    assert row.explain() == report.to_dict(explain=True)["layers"][2]["explain"]
    total = cnncalc.Counts()
    for s in report.layers:
        total = total + s.counts
    assert total == report.totals
    with pytest.raises(KeyError):
        report.layer("C9")


def test_errors_are_the_librarys() -> None:
    with pytest.raises(cnncalc.SpecError) as err:
        cnncalc.analyze("name: x\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n"
                        "  - {type: conv2d, out_channels: 2, kernel_size: 9}\n")  # fmt: skip
    assert err.value.problems[0].pos.line == 4
    with pytest.raises(cnncalc.UsageError):
        cnncalc.analyze(LENET, "1x28")
    with pytest.raises(cnncalc.UsageError):
        cnncalc.analyze(LENET).to_json(dtype="float8")
    with pytest.raises(cnncalc.CnncalcError):
        cnncalc.analyze("no/such/spec.yaml")


def test_generate_is_codegens(tmp_path: Path) -> None:
    report = cnncalc.analyze(LENET)
    code = cnncalc.generate(report, "torch").code
    assert code == cli("codegen", "torch", str(LENET))
    cuda = cnncalc.generate(report, "cuda")
    cli("codegen", "cuda", str(LENET), "-o", str(tmp_path))
    written = {p.name: p.read_text("utf-8") for p in tmp_path.iterdir()}
    assert cuda.files == written


def test_draw_is_cnncalc_draw(tmp_path: Path) -> None:
    report = cnncalc.analyze(ROOT / "specs" / "resnet50.yaml")
    diagram = report.draw(depth=2, rankdir="LR")
    cli("draw", str(ROOT / "specs" / "resnet50.yaml"), "--depth", "2", "--rankdir", "LR",
        "-o", str(tmp_path / "cli.svg"))  # fmt: skip
    assert diagram.svg == (tmp_path / "cli.svg").read_text("utf-8") == str(diagram)
    assert diagram._repr_svg_() == diagram.svg
    diagram.save(tmp_path / "api.svg")
    assert (tmp_path / "api.svg").read_text("utf-8") == diagram.svg
    with pytest.raises(cnncalc.UsageError):
        diagram.save(tmp_path / "api.gif")
    with pytest.raises(cnncalc.CnncalcError):
        diagram.save(tmp_path / "no" / "such" / "folder.svg")
    assert report._repr_mimebundle_(include={"text/html"}) == {}
    assert report._repr_mimebundle_() == {"image/svg+xml": report.draw().svg}


def test_a_folded_report_draws_and_pages_as_the_one_it_folds() -> None:
    from cnncalc.analysis.fold import fold

    report = cnncalc.analyze(ROOT / "specs" / "resnet50.yaml")
    folded = fold(report, 2)
    assert folded.draw(depth=2).svg == report.draw(depth=2).svg
    assert folded.to_html() == report.to_html()
    assert folded._repr_html_().count("<tr data-layer=") == len(folded.layers)
