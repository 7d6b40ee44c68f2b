"""`cnncalc flops` at the command line: compact units, JSON's exact figures, and one located
message (never a traceback) for what it refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cnncalc.cli.app import app
from cnncalc.render.flops import si

ROOT = Path(__file__).resolve().parents[2]
RESNET50 = ROOT / "specs" / "resnet50.yaml"


def cli(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_si_units() -> None:
    cases = {
        25_557_032: "25.6M", 4_089_184_256: "4.09G", 999: "999", 1_000: "1.00k",
        999_999: "1.00M", 123_456_789_012: "123G", 9_996_000: "10.0M",
    }  # fmt: skip
    assert {n: si(n) for n in cases} == cases


def test_units_si_in_text_exact_in_json() -> None:
    text = cli("flops", RESNET50, "--units", "si")
    assert text.exit_code == 0, text.stderr
    assert "4.09G MACs" in text.stdout and "8.18G FLOPs" in text.stdout
    data = json.loads(cli("flops", RESNET50, "--units", "si", "--format", "json").stdout)
    first = data["conventions"][0]
    assert first["name"] == "cnncalc-macs" and first["total"] == 4_089_184_256
    assert sum(v for v in first["layers"].values() if v) == first["total"]


def test_a_symbolic_input_is_refused_in_one_line(tmp_path: Path) -> None:
    spec = tmp_path / "sym.yaml"
    spec.write_text(
        "name: s\ninput: {channels: 3, height: H, width: W}\n"
        "layers:\n  - {type: conv2d, out_channels: 4, kernel_size: 1}\n"
    )
    res = cli("flops", spec)
    assert res.exit_code == 2 and "concrete input" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_bad_spec_is_located(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "name: b\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n  - {type: nope}\n"
    )
    res = cli("flops", spec)
    assert res.exit_code == 1 and "bad.yaml:4" in res.stderr


def test_undeclared_kinds_are_named() -> None:
    res = cli("flops", ROOT / "specs" / "vit" / "vit_b_16.yaml")
    assert res.exit_code == 0
    assert "leaves out the layers of kinds it does not declare" in res.stdout


LENET = ROOT / "specs" / "lenet5.yaml"


def test_params_convention_per_layer_in_every_format() -> None:
    from cnncalc.api import analyze, load
    from cnncalc.conventions import BY_NAME, tally

    t = tally(analyze(load(LENET)), BY_NAME["thop"])
    data = json.loads(cli("params", LENET, "--convention", "thop", "-f", "json").stdout)
    assert [layer["convention"] for layer in data["layers"]] == list(t.layers)
    rows = cli("params", LENET, "--convention", "thop", "-f", "csv").stdout.splitlines()
    assert rows[0].endswith(",convention")
    assert [int(r.rsplit(",", 1)[1]) for r in rows[1:]] == [*t.layers, t.total]
    md = cli("params", LENET, "--convention", "thop", "-f", "markdown").stdout
    assert md.splitlines()[2].endswith("| Convention |") and f"| **{t.total:,}** |" in md


def test_params_convention_refusals() -> None:
    res = cli("params", LENET, "--convention", "nope")
    assert res.exit_code == 2 and "the conventions: cnncalc-macs" in res.stderr
    res = cli("params", LENET, "--convention", "thop", "--depth", "1")
    assert res.exit_code == 2 and "without --depth" in res.stderr


def test_params_units_si_in_every_format_json_exact() -> None:
    from cnncalc.render.facts import compact

    assert compact("11,689,512") == "11.7M" and compact("840 (840 fixed)") == "840 (840 fixed)"
    assert compact("1,840 (1,840 fixed)") == "1.84k (1.84k fixed)" and compact("16·H") == "16·H"
    spec = ROOT / "specs" / "resnet50.yaml"
    for fmt in ("table", "csv", "markdown"):
        out = cli("params", spec, "--units", "si", "-f", fmt).stdout
        assert "25.6M" in out and "4.09G" in out, fmt
        rows = out.split("Trainable params")[0]  # the summary line under it stays exact
        assert "25,557,032" not in rows and "25557032" not in rows
    exact = cli("params", spec, "-f", "json").stdout
    assert cli("params", spec, "--units", "si", "-f", "json").stdout == exact
