"""The symbolic figures as the CLI prints them (table, --ascii, JSON, CSV), `cnncalc sizes`
and `cnncalc params --rf`, exit codes included."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from cnncalc.sym import Symbol, evaluate, parse
from tests.symbolic.kit import ROOT

SPECS = ROOT / "specs"
SEQUENCE = """\
name: sequence
symbols: {L: {min: 16}}
input: {channels: 8, length: L}
layers:
  - {type: conv1d, out_channels: 16, kernel_size: 3, stride: 2}
  - {type: maxpool1d, kernel_size: 2}
  - {type: flatten}
  - {type: linear, out_features: 10}
"""


def cli(*args: object) -> Result:
    from cnncalc.cli.app import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_resnet50_last_map_prints_in_closed_form() -> None:
    out = cli("shapes", SPECS / "resnet50.yaml", "--input", "3xHxW")
    assert out.exit_code == 0 and "2048×⌈H/32⌉×⌈W/32⌉" in out.stdout
    plain = cli(
        "shapes", SPECS / "resnet50.yaml", "--input", "3xHxW", "--ascii", "-f", "csv"
    ).stdout
    assert "2048xceil(H/32)xceil(W/32)" in plain and plain.isascii()


def test_params_are_polynomials_in_h_and_w() -> None:
    out = cli("params", SPECS / "resnet50.yaml", "--input", "3xHxW")
    assert out.exit_code == 0
    text = " ".join(out.stdout.split())  # long lines wrap
    assert "MACs: 9408·⌈H/2⌉·⌈W/2⌉ + 245760·⌈H/4⌉·⌈W/4⌉" in text
    assert "ceil(" not in text  # memory too: unicode unless --ascii
    assert "activations 768·⌈H/2⌉·⌈W/2⌉ + 20736·⌈H/4⌉·⌈W/4⌉" in text
    plain = cli("params", SPECS / "resnet50.yaml", "--input", "3xHxW", "--ascii").stdout
    assert "MACs: 9408*ceil(H/2)*ceil(W/2) + 245760*ceil(H/4)*ceil(W/4)" in " ".join(plain.split())


def test_json_formulas_evaluate_to_the_concrete_figures() -> None:
    data = json.loads(
        cli("params", SPECS / "resnet50.yaml", "--input", "3xHxW", "-f", "json").stdout
    )
    concrete = json.loads(cli("params", SPECS / "resnet50.yaml", "-f", "json").stdout)
    env = {"H": 224, "W": 224}
    syms = {"H": Symbol("H"), "W": Symbol("W")}
    assert data["input"] == [3, "H", "W"]
    for key in ("macs", "connections", "activation_elements"):
        assert evaluate(parse(data["totals"][key], syms), env) == concrete["totals"][key]
    assert (
        evaluate(parse(data["memory"]["activation_bytes"], syms), env)
        == concrete["memory"]["activation_bytes"]
    )
    for sym_layer, layer in zip(data["layers"], concrete["layers"], strict=True):
        shape = [
            d if isinstance(d, int) else evaluate(parse(d, syms), env)
            for d in sym_layer["output_shape"]
        ]
        assert shape == layer["output_shape"], layer["name"]


def test_symbolic_channels() -> None:
    data = json.loads(
        cli("params", SPECS / "resnet18.yaml", "--input", "Cx64x64", "-f", "json").stdout
    )
    assert data["layers"][0]["params"] == "3136*C"  # 64·7·7·C, no bias
    assert data["totals"]["params"] == "3136*C + 11680104"  # torchvision's 11,689,512 at C = 3


def test_sequence_length_and_a_linear_over_it(tmp_path: Path) -> None:
    spec = tmp_path / "sequence.yaml"
    spec.write_text(SEQUENCE)
    out = cli("params", spec, "-f", "csv")
    assert out.exit_code == 0, out.stderr
    rows = {r.split(",")[0]: r.split(",") for r in out.stdout.splitlines()}
    assert rows["conv1d_1"][2] == "16x(ceil(L/2) - 1)"  # a sum inside a shape is bracketed
    assert rows["linear_1"][3] == "160*ceil(L/4) - 150"  # in_features = 16·(⌈L/4⌉ - 1)
    table = cli("shapes", spec).stdout
    assert "16×(⌈L/4⌉ - 1)" in table


def test_unbounded_symbol_that_a_layer_refuses_is_located(tmp_path: Path) -> None:
    out = cli("params", SPECS / "vgg16.yaml", "--input", "3xHxW")
    assert out.exit_code == 1
    assert "vgg16.yaml:" in out.stderr and "E101" in out.stderr and "cnncalc sizes" in out.stderr


def test_receptive_field_columns() -> None:
    out = cli("params", SPECS / "resnet50.yaml", "--rf", "-f", "csv")
    assert out.exit_code == 0
    head, *rows = out.stdout.splitlines()
    assert head.endswith(",rf,jump,rf_offset")
    by = {r.split(",")[0]: r for r in rows}
    assert by["conv1"].endswith(',7x7,2x2,"0, 0"')
    assert by["layer4.2.relu_2"].endswith(',427x427,32x32,"0, 0"')
    assert by["fc"].endswith(",whole input,,")
    data = json.loads(cli("params", SPECS / "resnet50.yaml", "--rf", "-f", "json").stdout)
    conv1 = data["layers"][0]
    assert (conv1["rf"], conv1["jump"], conv1["rf_offset"]) == ([7, 7], [2, 2], [0, 0])
    assert data["layers"][-1]["rf"] == [224, 224] and data["layers"][-1]["rf_note"] == "whole input"
    plain = cli("params", SPECS / "resnet50.yaml").stdout
    assert "RF" not in plain  # only when asked


def test_receptive_fields_of_folded_blocks_and_fractions() -> None:
    out = cli("params", SPECS / "resnet18.yaml", "--rf", "--depth", "1", "-f", "csv")
    by = {r.split(",")[0]: r for r in out.stdout.splitlines()}
    assert by["layer4"].endswith(',435x435,32x32,"0, 0"')
    data = json.loads(cli("params", SPECS / "unet.yaml", "--rf", "-f", "json").stdout)
    up = next(layer for layer in data["layers"] if layer["name"] == "up1.up")
    assert up["jump"] == [8, 8] and up["rf"] == [140, 140]
    symbolic = json.loads(
        cli("params", SPECS / "resnet50.yaml", "--input", "3xHxW", "--rf", "-f", "json").stdout
    )
    assert symbolic["layers"][-1]["rf"] == ["H", "W"]


def test_sizes_command() -> None:
    out = cli("sizes", SPECS / "unet.yaml")
    assert out.exit_code == 0
    assert "H: smallest size every layer accepts: 16" in out.stdout
    assert "H ≥ 16, H ≡ 0 (mod 16)" in out.stdout and "up4.cat: 2·⌊H/2⌋ = H" in out.stdout
    plain = cli(
        "sizes", SPECS / "resnet50.yaml", "--input", "3xHxW", "--ascii", "--range", "1:100"
    ).stdout
    assert (
        plain.isascii() and "H >= 1, H % 32 == 1" in plain and "4 in range: 1, 33, 65, 97" in plain
    )
    data = json.loads(cli("sizes", SPECS / "resnet50.yaml", "-f", "json", "-r", "200:300").stdout)
    h = data["variables"][0]
    assert (h["name"], h["given"], h["minimum"]) == ("H", 224, 1)
    assert (h["exact"]["modulus"], h["exact"]["residues"], h["exact"]["sizes"]) == (
        32,
        [1],
        [225, 257, 289],
    )
    assert h["conditions"][0] == {"layer": "conv1", "criterion": "exact", "condition": "H % 2 == 1"}


def test_sizes_errors(tmp_path: Path) -> None:
    assert cli("sizes", SPECS / "unet.yaml", "--range", "9:3").exit_code == 2
    assert cli("sizes", SPECS / "unet.yaml", "--range", "x").exit_code == 2
    assert cli("sizes", tmp_path / "missing.yaml").exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: b\ninput: {channels: 1, height: 8, width: 8}\n"
        "layers:\n  - {type: conv2d, out_channels: 1, kernel_size: 9}\n"
    )
    out = cli("sizes", bad)
    assert out.exit_code == 1 and "bad.yaml:4:" in out.stderr


def test_a_function_name_is_no_symbol_and_saying_so_is_a_located_error(tmp_path: Path) -> None:
    """`height: floor` once raised from Symbol() as an internal error; H is the control."""
    for name, code in (("H", 0), ("floor", 1), ("ceil", 1)):  # 3xmaxx8 splits at its x
        spec = tmp_path / f"{name}.yaml"
        spec.write_text(
            f"input: {{channels: 3, height: {name}, width: 8}}\nlayers: [{{type: relu}}]"
        )
        out = cli("params", spec)
        assert out.exit_code == code, out.output
        if code:
            assert f"{name}.yaml:1:30: E002" in out.output and f"got '{name}'" in out.output
        on_line = cli("params", tmp_path / "H.yaml", "--input", f"3x{name}x8")
        assert on_line.exit_code == (code and 2), on_line.output
