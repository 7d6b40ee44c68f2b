"""cnncalc diff on file pairs: matching (name, structure, type), figures and their deltas held
to torch's own counts of the generated modules and to each side's `params` output, budgets and
exit codes, formats, located errors on either side, hostile names in every format."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from cnncalc.analysis.diff import diff
from cnncalc.analysis.diff_budget import Budget, check, parse, percent_text
from cnncalc.api import analyze, loads
from cnncalc.errors import UsageError
from tests.diff.kit import cli, write

OLD = """\
name: tiny
input: {channels: 3, height: 16, width: 16}
layers:
  - {name: conv1, type: conv2d, out_channels: 8, kernel_size: 3, padding: 1, activation: relu}
  - {name: pool1, type: maxpool2d, kernel_size: 2}
  - {name: conv2, type: conv2d, out_channels: 16, kernel_size: 3, padding: 1, activation: relu}
  - {name: gap, type: adaptiveavgpool2d, output_size: 1}
  - {name: flat, type: flatten}
  - {name: drop, type: dropout, p: 0.5}
  - {name: fc, type: linear, out_features: 10}
"""
# conv1 renamed (untouched), conv2 renamed and widened, bn added, drop removed
NEW = """\
name: tiny
input: {channels: 3, height: 16, width: 16}
layers:
  - {name: stem, type: conv2d, out_channels: 8, kernel_size: 3, padding: 1, activation: relu}
  - {name: pool1, type: maxpool2d, kernel_size: 2}
  - {name: body, type: conv2d, out_channels: 24, kernel_size: 3, padding: 1, activation: relu}
  - {name: bn, type: batchnorm2d}
  - {name: gap, type: adaptiveavgpool2d, output_size: 1}
  - {name: flat, type: flatten}
  - {name: fc, type: linear, out_features: 10}
"""


def pair(old: str = OLD, new: str = NEW) -> Any:
    return diff(analyze(loads(old, "old.yaml")), analyze(loads(new, "new.yaml")))


def files(tmp_path: Path, old: str = OLD, new: str = NEW) -> tuple[Path, Path]:
    write(tmp_path, {"old.yaml": old, "new.yaml": new})
    return tmp_path / "old.yaml", tmp_path / "new.yaml"


def test_renamed_added_removed_and_changed_layers() -> None:
    d = pair()
    rows = {(r.old.name if r.old else None, r.new.name if r.new else None): r for r in d.layers}
    assert rows[("conv1", "stem")].matched == "structure"
    assert rows[("conv1", "stem")].changes == ()  # renamed, nothing else
    body = rows[("conv2", "body")]
    assert body.matched == "type" and body.status == "changed"
    assert {c.what for c in body.changes} == {"out_channels", "output_shape"}
    assert rows[(None, "bn")].status == "added"
    assert rows[("drop", None)].status == "removed"
    assert rows[("pool1", "pool1")].status == "unchanged"
    assert rows[("gap", "gap")].matched == "name"
    # gap now reads bn; fc reads flat: wiring is a change, read under the new names
    gap = rows[("gap", "gap")]
    assert [(c.what, c.old, c.new) for c in gap.changes if c.what == "inputs"] == [
        ("inputs", ("conv2",), ("bn",))
    ]
    # order: the new spec's, the removed layer after the one it followed (flat)
    order = [(r.old.name if r.old else None, r.new.name if r.new else None) for r in d.layers]
    assert order.index(("drop", None)) == order.index(("flat", "flat")) + 1
    assert (d.count("added"), d.count("removed"), d.renamed) == (1, 1, 2)


def test_a_rename_upstream_is_not_a_change_downstream() -> None:
    new = OLD.replace("conv1", "first")
    d = pair(OLD, new)
    assert [r.status for r in d.layers].count("changed") == 1  # the renamed one alone
    assert d.layers[1].status == "unchanged"  # pool1 reads `first`, which was conv1


def test_same_spec_is_all_unchanged() -> None:
    d = pair(OLD, OLD)
    assert {r.status for r in d.layers} == {"unchanged"}
    assert all(f.delta == 0 for f in d.totals)


def torch_counts(text: str) -> tuple[int, int, int]:
    """(parameters, trainable, MACs) of the generated module, by torch: FlopCounterMode's
    FLOPs / 2 (conv and linear, what these specs hold)."""
    torch = pytest.importorskip("torch")  # CI has it (the torch extra): only this test needs it
    from torch.utils.flop_counter import FlopCounterMode

    from cnncalc.codegen import generate
    from cnncalc.codegen.check import load as load_module

    report = analyze(loads(text, "t.yaml"))
    gen = generate(report, "torch")
    model = getattr(load_module(gen), gen.class_name)().eval()
    params = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.zeros(1, *report.input_shape))
    return params, trainable, counter.get_total_flops() // 2


VARIANTS = [
    NEW,
    OLD.replace("out_features: 10", "out_features: 1000"),
    OLD.replace("kernel_size: 3, padding: 1, activation", "kernel_size: 5, padding: 2, activation"),
    OLD.replace("  - {name: drop, type: dropout, p: 0.5}\n", ""),
    NEW.replace("out_channels: 24", "out_channels: 4, groups: 4"),
]


@pytest.mark.parametrize("new", VARIANTS)
def test_total_deltas_are_torchs(new: str) -> None:
    d = pair(OLD, new)
    old_t, new_t = torch_counts(OLD), torch_counts(new)
    for i, name in enumerate(("params", "trainable", "macs")):
        f = d.total(name)
        assert (f.old, f.new, f.delta) == (old_t[i], new_t[i], new_t[i] - old_t[i]), name
        assert f.percent == Fraction(100 * (new_t[i] - old_t[i]), old_t[i])


def test_layer_figures_are_each_sides_own(tmp_path: Path) -> None:
    """Every row's figures are those `cnncalc params --format json` gives its layers."""
    old, new = files(tmp_path)
    sides = [
        {lay["name"]: lay for lay in json.loads(cli("params", p, "-f", "json").stdout)["layers"]}
        for p in (old, new)
    ]
    data = json.loads(cli("diff", old, new, "-f", "json").stdout)
    assert len(data["layers"]) == len(sides[0]) + data["summary"]["added"]
    for row in data["layers"]:
        for key, figure in (
            ("params", "params"),
            ("trainable_params", "trainable"),
            ("macs", "macs"),
        ):
            got = row["figures"][figure]
            want_old = sides[0][row["old_name"]][key] if row["old_name"] else None
            want_new = sides[1][row["new_name"]][key] if row["new_name"] else None
            assert (got["old"], got["new"]) == (want_old, want_new)
            if want_old is not None and want_new is not None:
                assert got["delta"] == want_new - want_old


def test_memory_is_saved_bytes_and_n_a_where_a_kind_declares_none(tmp_path: Path) -> None:
    from cnncalc.analysis.memory import saved_bytes

    d = pair()
    for side, text in (("old", OLD), ("new", NEW)):
        want = saved_bytes(analyze(loads(text, "x.yaml")), batch=1).saved
        assert getattr(d.total("memory"), side) == want
    # attention with dropout is the kind still refused (E130, docs/memory.md)
    att = (
        "name: att\ninput: {channels: 5, length: 8}\nlayers:\n"
        "  - {name: att, type: multiheadattention, embed_dim: 8, num_heads: 2, batch_first: true,"
        " dropout: 0.1}\n  - {name: fc, type: linear, out_features: 4}\n"
    )
    d2 = pair(att, att.replace("out_features: 4", "out_features: 6"))
    assert d2.total("memory").old is None and "E130" not in str(d2.memory_notes)
    assert "multiheadattention does not declare" in d2.memory_notes["old"]
    assert d2.total("params").delta == 2 * 9  # fc: 8 inputs + bias per added output
    old, new = files(tmp_path, att, att.replace("out_features: 4", "out_features: 6"))
    res = cli("diff", old, new, "--fail-on", "memory>+1%")
    assert res.exit_code == 1
    assert "memory cannot be checked: layer 'att': multiheadattention" in res.stderr


@pytest.mark.parametrize(
    ("text", "figure", "op", "amount", "change", "relative"),
    [
        ("params>+5%", "params", ">", Fraction(5), True, True),
        ("macs > +1.5G", "macs", ">", Fraction(1_500_000_000), True, False),
        ("memory<-10%", "memory", "<", Fraction(-10), True, True),
        ("memory>64MiB", "memory", ">", Fraction(64 * 2**20), False, False),
        ("layers>+0", "layers", ">", Fraction(0), True, False),
        ("trainable>+2.5%", "trainable", ">", Fraction(5, 2), True, True),
    ],
)
def test_budgets_read(
    text: str, figure: str, op: str, amount: Fraction, change: bool, relative: bool
) -> None:
    b = parse(text)
    assert (b.figure, b.op, b.amount, b.change, b.relative) == (
        figure,
        op,
        amount,
        change,
        relative,
    )


@pytest.mark.parametrize(
    "text", ["params", "params>5%", "flops>+1", "params>=+5%", "params>+1.5", "", "params>+x"]
)
def test_bad_budgets_are_usage_errors(text: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        parse(text)
    old, new = files(tmp_path)
    res = cli("diff", old, new, "--fail-on", text)
    assert res.exit_code == 2 and res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1 and "--fail-on" in res.stderr


def broken(text: str, old: int, new: int) -> bool:
    from cnncalc.analysis.diff import Diff, Figure

    d = pair()
    b: Budget = parse(text)
    fig = Figure(b.figure, old, new)
    fake = Diff(d.old, d.new, d.layers, tuple(fig if f.name == b.figure else f for f in d.totals))
    return check(b, fake).broken


@pytest.mark.parametrize(
    ("text", "old", "new", "want"),
    [
        ("params>+5%", 100, 105, False),  # at the bound: within it
        ("params>+5%", 100, 106, True),
        ("params>+5%", 1000, 1051, True),
        ("params>+5%", 0, 1, True),  # from nothing: beyond every percentage
        ("params>+5%", 0, 0, False),
        ("params>+10", 100, 110, False),
        ("params>+10", 100, 111, True),
        ("params<-10%", 100, 90, False),
        ("params<-10%", 100, 89, True),
        ("params>1k", 5, 1000, False),
        ("params>1k", 5, 1001, True),
        ("layers>+0", 7, 8, True),
        ("layers>+0", 7, 7, False),
        ("macs>-5%", 100, 96, True),  # asks for a cut of more than 5 %
        ("macs>-5%", 100, 95, False),
    ],
)
def test_budget_bounds(text: str, old: int, new: int, want: bool) -> None:
    assert broken(text, old, new) is want


def test_budgets_exit_codes_and_one_line_each(tmp_path: Path) -> None:
    old, new = files(tmp_path)
    d = pair()
    grow = d.total("params").percent
    assert grow is not None and 10 < grow < 200
    ok = cli("diff", old, new, "--fail-on", "params>+200%", "--fail-on", "layers>+0")
    assert ok.exit_code == 0 and ok.stderr == ""
    res = cli(
        "diff", old, new, "--fail-on", "params>+10%,layers>+0", "--fail-on", "macs>+1", "-f", "json"
    )
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("cnncalc diff: budget ") for line in lines)
    assert "params>+10%: broken" in lines[0] and percent_text(grow) in lines[0]
    assert "macs>+1: broken" in lines[1]
    verdicts = json.loads(res.stdout)["budgets"]
    assert [(v["budget"], v["broken"]) for v in verdicts] == [
        ("params>+10%", True),
        ("layers>+0", False),
        ("macs>+1", True),
    ]
    md = cli("diff", old, new, "--fail-on", "params>+10%", "-f", "markdown")
    assert md.exit_code == 1 and "**broken**: params\\>+10%" in md.stdout
    gh = cli("diff", old, new, "--fail-on", "params>+10%", "-f", "github")
    assert gh.exit_code == 1
    assert re.search(r"^::error file=.*new\.yaml,title=.*::params>\+10%25: broken", gh.stdout, re.M)


def test_percent_text_rounds_half_away_from_zero() -> None:
    assert percent_text(Fraction(1, 200)) == "+0.01%"
    assert percent_text(Fraction(-1, 200)) == "-0.01%"
    assert percent_text(Fraction(50)) == "+50%"
    assert percent_text(Fraction(2576 * 100, 5418)) == "+47.55%"  # 47.5452…


def test_formats_and_github_under_actions(tmp_path: Path) -> None:
    old, new = files(tmp_path)
    text = cli("diff", old, new, env={"GITHUB_ACTIONS": ""})
    assert text.exit_code == 0 and text.stdout.startswith("cnncalc diff ")
    assert "+ bn (batchnorm2d) added" in text.stdout and "- drop (dropout) removed" in text.stdout
    auto = cli("diff", old, new, env={"GITHUB_ACTIONS": "true"})
    assert auto.stdout == cli("diff", old, new, "-f", "github").stdout
    lines = auto.stdout.splitlines()
    assert all(line.startswith("::notice ") for line in lines)
    bn_line = NEW.splitlines().index(next(x for x in NEW.splitlines() if "name: bn," in x)) + 1
    assert any(f"line={bn_line},col=5," in x and "layer added" in x for x in lines)
    md = cli("diff", old, new, "-f", "markdown").stdout
    assert cells(md) == {4}
    assert "| added | bn | batchnorm2d |" in md


def cells(md: str) -> set[int]:
    """Cells per row of each Markdown table row (pipes not escaped by a backslash)."""
    rows = [x for x in md.splitlines() if x.startswith("|")]
    return {len(re.findall(r"(?<!\\)\|", x)) - 1 for x in rows}


def test_stdin_side_and_both_stdin(tmp_path: Path) -> None:
    old, new = files(tmp_path)
    res = cli("diff", "-", new, input=OLD)
    assert res.exit_code == 0
    assert res.stdout == cli("diff", old, new).stdout.replace(str(old), "-")
    both = cli("diff", "-", "-", input=OLD)
    assert both.exit_code == 2 and "only one side" in both.stderr


def test_input_replaces_both_inputs(tmp_path: Path) -> None:
    old, new = files(tmp_path)
    data = json.loads(cli("diff", old, new, "-i", "3x32x32", "-f", "json").stdout)
    for side, path in (("old", old), ("new", new)):
        own = json.loads(cli("params", path, "-i", "3x32x32", "-f", "json").stdout)
        assert data["totals"]["macs"][side] == own["totals"]["macs"]
    small = json.loads(cli("diff", old, new, "-f", "json").stdout)
    assert data["totals"]["macs"]["old"] > small["totals"]["macs"]["old"]


def test_located_errors_on_either_side(tmp_path: Path) -> None:
    bad_old = OLD.replace("kernel_size: 2", "kernel_sise: 2")
    bad_new = NEW.replace("out_features: 10", "out_features: -1")
    old, new = files(tmp_path, bad_old, bad_new)
    res = cli("diff", old, new)
    assert res.exit_code == 1 and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    line_old = bad_old.splitlines().index(next(x for x in bad_old.splitlines() if "sise" in x)) + 1
    line_new = bad_new.splitlines().index(next(x for x in bad_new.splitlines() if "-1}" in x)) + 1
    assert any(x.startswith(f"{old}:{line_old}:") and "kernel_sise" in x for x in lines)
    assert any(x.startswith(f"{new}:{line_new}:") for x in lines)
    one = files(tmp_path, OLD, bad_new)
    res = cli("diff", *one)
    assert res.exit_code == 1 and res.stderr.startswith(f"{new}:{line_new}:")
    missing = cli("diff", tmp_path / "nope.yaml", new)
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_alignment_is_bounded() -> None:
    """Two specs of many unmatched layers: the type pass is skipped past MAX_ALIGN_PAIRS."""
    from cnncalc.analysis import diff as module

    many = "\n".join(f"  - {{name: a{i}, type: linear, out_features: 4}}" for i in range(60))
    old = "name: n\ninput: {features: 4}\nlayers:\n" + many + "\n"
    new = old.replace("name: a", "name: b").replace("out_features: 4", "out_features: 5")
    d = pair(old, new)
    assert d.count("changed") == 60  # matched by type: renamed and widened
    assert {r.matched for r in d.layers} == {"type"}
    limit = module.MAX_ALIGN_PAIRS
    module.MAX_ALIGN_PAIRS = 100
    try:
        d = pair(old, new)
    finally:
        module.MAX_ALIGN_PAIRS = limit
    assert (d.count("added"), d.count("removed")) == (60, 60)


def test_symbolic_figures(tmp_path: Path) -> None:
    sym = "input: {channels: 3, height: H, width: W}\nsymbols: {H: {min: 2}, W: {min: 2}}"
    old, new = (t.replace("input: {channels: 3, height: 16, width: 16}", sym) for t in (OLD, NEW))
    d = pair(old, new)
    assert d.total("params").delta == pair().total("params").delta  # no symbol in params
    macs = d.total("macs")
    assert not isinstance(macs.delta, int) and macs.percent is None
    assert d.total("memory").old is None and "symbolic" in d.memory_notes["new"]
    paths = files(tmp_path, old, new)
    res = cli("diff", *paths, "--fail-on", "macs>+1%", "--fail-on", "params>+1%")
    assert res.exit_code == 1
    assert res.stderr.splitlines()[0].endswith(
        "macs>+1%: macs is symbolic; give --input sizes to check it"
    )
    fixed = cli("diff", *paths, "-i", "3x16x16", "--fail-on", "macs>+100%")
    assert fixed.exit_code == 0, fixed.stderr
