"""`cnncalc sweep` (sweep/): every row is what loading and analysing that one variant gives
(the plain path of `cnncalc params --set …`), whichever path the evaluator took (closed forms
in the input size, concrete analysis, a structure that fails); the family members are
torchvision's figures; --where, --pareto, --resume, JSON lines and worker processes."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from zoo.test_torchvision_full import models

from cnncalc.analysis.engine import analyze
from cnncalc.cli.app import app
from cnncalc.errors import SpecError
from cnncalc.spec.load import load
from cnncalc.sweep import SweepFormat
from cnncalc.sweep.evaluate import Evaluator, Figures
from cnncalc.sweep.run import sweep
from cnncalc.sweep.space import make_space

ROOT = Path(__file__).resolve().parents[2]
MOBILENET = ROOT / "specs" / "mobilenet_v2.yaml"
RESNET = ROOT / "specs" / "resnet" / "resnet50_family.yaml"
EFFICIENTNET = ROOT / "specs" / "efficientnet" / "efficientnet.yaml"

# valid from some size up (no padding), and a skip whose halves agree only for even sizes
SMALL = """\
name: small
args:
  width: {default: 1.0, min: 0.25, max: 4}
  res: {default: 32, min: 1, max: 512}
  deep: {default: false, choices: [false, true]}
input: {channels: 3, height: $res, width: $res}
layers:
  - {name: a, type: conv2d, out_channels: "$make_divisible(16 * width, 8)", kernel_size: 5}
  - {name: b, type: conv2d, out_channels: 8, kernel_size: 3, padding: 1, if: $deep}
  - {name: pool, type: maxpool2d, kernel_size: 2}
  - {name: up, type: upsample, scale_factor: 2}
  - {name: crop, type: conv2d, out_channels: 8, kernel_size: 1, from: a}
  - {name: cat, type: concat, from: [up, crop]}
  - {name: gap, type: adaptiveavgpool2d, output_size: 1}
  - {name: flat, type: flatten}
  - {name: fc, type: linear, out_features: 10}
"""


def plain(spec: Path, values: dict[str, Any]) -> Figures | str:
    """One variant the way `cnncalc params --set …` computes it."""
    try:
        rep = analyze(load(spec, values))
    except SpecError as err:
        return err.problems[0].code
    t = rep.totals
    out = ";".join("x".join(str(d) for d in s) for s in rep.outputs)
    return Figures(int(t.params), int(t.trainable), int(t.macs), out, len(rep.layers))


@pytest.fixture
def small(tmp_path: Path) -> Path:
    p = tmp_path / "small.yaml"
    p.write_text(SMALL, encoding="utf-8")
    return p


def test_every_path_of_the_evaluator_is_the_plain_analysis(small: Path) -> None:
    ev = Evaluator(small)
    assert ev.input_only == {"res"} and ev.structural == ("width", "deep")
    rng = random.Random(3)
    sizes = [40, 41, 64, 7, 5, 4, 1, 12, 13, 200, 3, 6, 8]  # down, odd, up, below the bound
    seen = set()
    for res in sizes:
        for _ in range(3):
            values = {"width": rng.choice([0.25, 0.5, 1.3]), "res": res, "deep": rng.random() < 0.5}
            got = ev.figures(values)
            assert got == plain(small, values), values
            seen.add(got if isinstance(got, str) else "ok")
    assert seen == {"ok", "E100", "E102"}  # valid, too small, halves that do not agree
    # one build per network, whatever the sizes: widths 0.25 and 0.5 both round to 8 channels
    assert ev.built == 4


@pytest.mark.parametrize("spec", [MOBILENET, RESNET, EFFICIENTNET])
def test_family_rows_are_the_plain_analysis(spec: Path) -> None:
    ev = Evaluator(spec)
    rng = random.Random(7)
    grid = {
        MOBILENET: {"width": [0.35, 0.75, 1.4], "resolution": [32, 96, 161, 224]},
        RESNET: {"width": [0.5, 1.25], "depth": [0.5, 1.0], "resolution": [33, 224]},
        EFFICIENTNET: {"phi": [0, 3], "resolution": [64, 225]},
    }[spec]
    for _ in range(8):
        values = {k: rng.choice(v) for k, v in grid.items()}
        assert ev.figures(values) == plain(spec, values), values


def test_efficientnet_members_in_a_sweep_are_torchvisions() -> None:
    space = make_space(
        Evaluator(EFFICIENTNET).defs, ["phi=0,1,2,4,5,6,7", "resolution=224"], None, None, 0
    )
    out = io.StringIO()
    sweep(str(EFFICIENTNET), space, out, SweepFormat.csv)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 7
    for row in rows:
        ref = models()[f"efficientnet_b{row['phi']}"]
        assert (int(row["params"]), int(row["macs"])) == (ref["params_total"], ref["macs"])
        assert row["output"] == "1000" and row["error"] == ""


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, ["sweep", *map(str, args)])


def test_grid_where_and_format(tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    res = run(
        MOBILENET,
        "--grid",
        "width=0.5:1.5:0.25",
        "--grid",
        "resolution=160:320:32",
        "--where",
        "macs <= 300e6 and params <= 3e6",
        "-o",
        out,
        "-j",
        "1",
    )
    assert res.exit_code == 0, res.stderr
    assert "30 variants" in res.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    every = [
        {"width": w, "resolution": r, **plain(MOBILENET, {"width": w, "resolution": r}).__dict__}
        for w in (0.5, 0.75, 1.0, 1.25, 1.5)
        for r in (160, 192, 224, 256, 288, 320)
    ]
    kept = [e for e in every if e["macs"] <= 300e6 and e["params"] <= 3e6]
    assert 0 < len(rows) == len(kept) < 30
    assert [(r["width"], r["resolution"], r["params"], r["macs"]) for r in rows] == [
        (k["width"], k["resolution"], k["params"], k["macs"]) for k in kept
    ]


def test_pareto_is_the_brute_force_front(tmp_path: Path) -> None:
    res = run(
        RESNET,
        "--grid",
        "width=0.25:1.5:0.25",
        "--grid",
        "depth=0.5,1",
        "--grid",
        "resolution=96:224:32",
        "--pareto",
        "macs,params",
        "-j",
        "1",
        "-q",
    )
    assert res.exit_code == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    points = [(int(r["macs"]), int(r["params"])) for r in rows]
    everything = [
        plain(RESNET, {"width": w, "depth": d, "resolution": r})
        for w in (0.25, 0.5, 0.75, 1.0, 1.25, 1.5)
        for d in (0.5, 1)
        for r in (96, 128, 160, 192, 224)
    ]
    pts = {(f.macs, f.params) for f in everything if isinstance(f, Figures)}
    front = {p for p in pts if not any(q != p and q[0] <= p[0] and q[1] <= p[1] for q in pts)}
    assert set(points) == front and len(points) == len(front)


def test_sample_is_seeded_and_workers_write_what_one_process_writes(tmp_path: Path) -> None:
    space = tmp_path / "space.yaml"
    space.write_text("width: {min: 0.25, max: 1.5, step: 0.05}\nresolution: {min: 96, max: 320}\n")
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    args = [MOBILENET, "--space", space, "--sample", "5000", "--seed", "4", "-q"]
    assert run(*args, "-j", "1", "-o", one).exit_code == 0
    res = run(*args, "-j", "2", "-o", two)
    assert res.exit_code == 0, res.stderr
    assert one.read_text() == two.read_text()
    rows = list(csv.DictReader(io.StringIO(one.read_text())))
    assert len(rows) == 5000 and len({r["resolution"] for r in rows}) > 100
    for r in rows[::500]:
        values = {"width": float(r["width"]), "resolution": int(r["resolution"])}
        f = plain(MOBILENET, values)
        assert isinstance(f, Figures) and (int(r["params"]), int(r["macs"])) == (f.params, f.macs)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_resume_continues_an_interrupted_sweep(tmp_path: Path, fmt: str) -> None:
    full, cut = tmp_path / f"full.{fmt}", tmp_path / f"cut.{fmt}"
    args = [
        RESNET,
        "--grid",
        "width=0.5:1.5:0.25",
        "--grid",
        "resolution=64:320:32",
        "-q",
        "-j",
        "1",
    ]
    assert run(*args, "-o", full).exit_code == 0
    text = full.read_text()
    lines = text.splitlines(keepends=True)
    cut.write_text("".join(lines[:17]) + lines[17][:9])  # killed in the middle of a row
    res = run(*args, "-o", cut, "--resume")
    assert res.exit_code == 0, res.stderr
    assert cut.read_text() == text
    again = run(*args, "-o", cut, "--resume")  # finished: nothing more to do
    assert again.exit_code == 0 and cut.read_text() == text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "width=0.5:9:0.5"], "--grid width=4.5: 4.5 is above its maximum 4"),
        (["--grid", "widht=1"], "--grid widht=1: the spec has no argument 'widht'"),
        (["--grid", "width=1:0:1"], "write LOW:HIGH:STEP with LOW <= HIGH and STEP > 0"),
        (["--grid", "resolution=a:b:c"], "LOW, HIGH and STEP are numbers"),
        (["--grid", "width=1", "--where", "macs < "], "--where 'macs < ': unexpected end"),
        (["--grid", "width=1", "--where", "flops < 1"], "--where: unknown name 'flops'"),
        (
            ["--grid", "width=1", "--where", "__import__('os')"],
            "--where: unknown function '__import__'",
        ),
        (["--grid", "width=1", "--pareto", "macs"], "--pareto: name two or more columns"),
        (["--grid", "width=1", "--pareto", "macs,speed"], "--pareto: unknown column 'speed'"),
        (["--grid", "width=1", "--resume"], "--resume needs --output FILE"),
        ([], "give the variants"),
    ],
)
def test_bad_sweeps_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    res = run(RESNET, *args)
    assert res.exit_code == 2, (res.stdout, res.stderr)
    assert len(res.stderr.splitlines()) == 1 and message in res.stderr, res.stderr


def test_invalid_variants_carry_their_error_code(small: Path) -> None:
    res = run(small, "--grid", "res=3:9:1", "-q", "-j", "1")
    assert res.exit_code == 0, res.stderr
    rows = {int(r["res"]): r for r in csv.DictReader(io.StringIO(res.stdout))}
    assert {r["error"] for r in rows.values()} == {"", "E100", "E102"}
    for k, r in rows.items():
        want = plain(small, {"res": k})
        assert (r["error"] == want) if isinstance(want, str) else (int(r["params"]) == want.params)


def test_a_refused_sweep_leaves_the_output_file_alone(tmp_path: Path) -> None:
    out = tmp_path / "notes.csv"
    out.write_text("my,own\nfile,without a newline at the end")
    before = out.read_text()
    res = run(RESNET, "--grid", "width=1", "--where", "macs <", "-o", out)
    assert res.exit_code == 2 and out.read_text() == before
    res = run(RESNET, "--grid", "width=1", "-o", out, "--resume")
    assert res.exit_code == 2 and "holds another sweep's columns" in res.stderr
    assert out.read_text() == before


def test_batch_adds_what_autograd_saves() -> None:
    """saved_bytes is `cnncalc memory`'s figure for each variant; at ResNet-50's defaults, the
    bytes torch's autograd saved at batch 2 (tests/data/torchvision_full.json)."""
    from cnncalc.analysis.memory import saved_bytes

    res = run(RESNET, "-g", "width=0.5,1", "-g", "resolution=96,224", "--batch", "2", "-q")
    assert res.exit_code == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    for r in rows:
        rep = analyze(load(RESNET, {"width": r["width"], "resolution": r["resolution"]}))
        assert int(r["saved_bytes"]) == saved_bytes(rep, 2, "float32").saved
    [default] = [r for r in rows if (r["width"], r["resolution"]) == ("1", "224")]
    assert int(default["saved_bytes"]) == models()["resnet50"]["train_saved_bytes_batch2"]
    res = run(RESNET, "-g", "width=0.5,1", "--batch", "2", "--where", "saved_bytes < 1e8", "-q")
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 2  # the header, width 0.5


def test_plot_draws_the_variants_and_the_front(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    plot = tmp_path / "pareto.svg"
    args = ["-g", "width=0.25:1.5:0.25", "-g", "resolution=96:224:32", "-q"]
    res = run(RESNET, *args, "--pareto", "macs,-resolution", "--plot", plot)
    assert res.exit_code == 0, res.stderr
    front = list(csv.DictReader(io.StringIO(res.stdout)))
    assert {r["width"] for r in front} == {"0.25"} and len(front) == 5  # each size, narrowest
    svg = "{http://www.w3.org/2000/svg}"
    groups = {g.get("class"): g for g in ET.fromstring(plot.read_text()).iter(f"{svg}g")}
    assert len(groups["variants"].findall(f"{svg}circle")) == 30  # every variant
    assert len(groups["pareto"].findall(f"{svg}circle")) == 5
    # the front's dots are the leftmost (fewest MACs) of all the dots at their height
    dots = [(float(c.get("cx", 0)), float(c.get("cy", 0))) for c in groups["variants"]]
    for c in groups["pareto"]:
        x, y = float(c.get("cx", 0)), float(c.get("cy", 0))
        assert min(dx for dx, dy in dots if abs(dy - y) < 0.05) == x
    assert run(RESNET, "-g", "width=1", "--plot", plot).exit_code == 2  # needs --pareto


def test_variants_that_round_to_one_network_share_it(tmp_path: Path) -> None:
    """Widths that make_divisible sends to the same channels are one network; an argument
    that also reaches the input keeps its variants apart."""
    spec = tmp_path / "net.yaml"
    spec.write_text(
        "name: net\nargs: {w: 1.0, c: 3, res: 32}\n"
        "input: {channels: $c, height: $res, width: $res}\nlayers:\n"
        '  - {type: conv2d, out_channels: "$make_divisible(32 * w, 8)", kernel_size: 3}\n'
        '  - {type: conv2d, out_channels: "$make_divisible(8 * c, 8)", kernel_size: 1}\n'
    )
    ev = Evaluator(spec)
    rng = random.Random(5)
    for _ in range(60):
        values = {"w": rng.uniform(0.9, 1.1), "c": rng.choice([1, 2]), "res": rng.choice([9, 33])}
        assert ev.figures(values) == plain(spec, values), values
    assert ev.built == 2  # every width rounds to 32 channels; c is 1 or 2


def test_a_symbolic_input_is_a_usage_error(tmp_path: Path) -> None:
    spec = tmp_path / "sym.yaml"
    spec.write_text(
        "name: s\nargs: {w: 8}\ninput: {channels: 3, height: H, width: W}\n"
        "layers:\n  - {type: conv2d, out_channels: $w, kernel_size: 3}\n"
    )
    res = run(spec, "-g", "w=8,16", "-q")
    assert res.exit_code == 2 and "the input has symbols (H, W)" in res.stderr, res.stderr
