"""Hostile values: huge sizes stay exact Python ints through every renderer; zero, negative,
float and boolean sizes are refused by name; `from:` mistakes are found and named; runaway
figures and per-output loops are bounded. One test per row of docs/robustness.md."""

from __future__ import annotations

import io
import json
import math
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from cnncalc.api import SpecError, analyze, loads
from robustness.kit import Run, refused

Cli = Callable[..., Run]
E30 = 10**30


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as err:
        analyze(loads(text, "t.yaml"))
    return [p.format() for p in err.value.problems]


HUGE = f"""name: huge
input: {{channels: {E30}, height: 32, width: 32}}
layers:
  - {{name: c1, type: conv2d, out_channels: {E30}, kernel_size: 3}}
  - {{name: gap, type: adaptiveavgpool2d, output_size: {E30}}}
  - {{name: flat, type: flatten}}
  - {{name: fc, type: linear, out_features: {E30}}}
"""


def test_huge_sizes_are_exact_everywhere(cnncalc: Cli, tmp_path: Path) -> None:
    r = analyze(loads(HUGE, "huge.yaml"))
    c1, gap, flat, fc = r.layers
    # by hand, in Python ints: conv weights C_out·C_in·3·3 + bias; 30×30 positions
    assert c1.counts.trainable == E30 * E30 * 9 + E30
    assert c1.counts.macs == E30 * E30 * 9 * 30 * 30
    assert c1.counts.connections == (E30 * E30 * 9 + E30) * 30 * 30
    # torch's adaptive windows, ⌊i·W/O⌋..⌈(i+1)·W/O⌉, summed per axis: W + O − gcd(W, O)
    assert gap.output_shape == (E30, E30, E30)
    assert gap.counts.connections == E30 * (30 + E30 - math.gcd(30, E30)) ** 2
    assert flat.output_shape == (E30**3,)
    assert fc.counts.trainable == E30**3 * E30 + E30
    total = sum(s.counts.trainable for s in r.layers)
    assert r.totals.trainable == total
    spec = tmp_path / "huge.yaml"
    spec.write_text(HUGE)
    js = json.loads(cnncalc("params", str(spec), "-f", "json", "--explain").out)
    assert js["totals"]["trainable_params"] == total  # a JSON integer, every digit
    assert js["memory"]["param_bytes"] == total * 4
    csv = cnncalc("params", str(spec), "-f", "csv").out
    assert str(total) in csv
    md = cnncalc("params", str(spec), "-f", "markdown").out
    assert f"{total:,}" in md
    table = cnncalc("params", str(spec), "--explain", "--dtype", "float64")
    assert table.code == 0 and f"{total:,}" in table.out
    mb = total * 8 * 100 // (1024 * 1024)  # the memory line, exact, no float
    assert f"params+buffers {mb // 100:,}." in table.out.replace("\n", "")


def test_memory_in_mb_is_formatted_without_floats() -> None:
    from rich.console import Console

    from cnncalc.render.table import print_table
    from cnncalc.render.values import PARAM_COLUMNS

    n = 10**99  # params 10^99·10^99·10^99·10^99: a float overflows (it crashed before)
    text = f"name: t\ninput: {{channels: {n}, height: {n}, width: {n}}}\nlayers:\n"
    text += f"  - {{type: flatten}}\n  - {{type: linear, out_features: {n}}}\n"
    console = Console(file=io.StringIO(), width=100_000)
    print_table(analyze(loads(text, "t.yaml")), PARAM_COLUMNS, console, totals=True)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    total = n**4 + n
    assert f"{total * 4 * 100 // (1024 * 1024) // 100:,}." in out
    # and the integer rounding agrees with float formatting wherever a float is exact
    mb = 1024 * 1024
    for v in [
        0,
        1,
        131072,
        131072 * 3,
        240_000,
        2**52,
        *random.Random(1).sample(range(2**53), 500),
    ]:
        q, r = divmod(v * 100, mb)
        q += 2 * r > mb or (2 * r == mb and q % 2 == 1)
        assert f"{q // 100:,}.{q % 100:02d}" == f"{v / mb:,.2f}", v


@pytest.mark.parametrize("field", ["out_channels", "kernel_size", "stride", "groups"])
@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0", "got 0"),
        ("-3", "got -3"),
        ("2.5", "got 2.5 (a float)"),
        ("true", "got True (a boolean)"),
        ("null", "got None"),
        ("'3'", "got '3' (a string)"),
    ],
)
def test_bad_sizes_are_refused_by_name(field: str, value: str, shown: str) -> None:
    layer = {"out_channels": "4", "kernel_size": "3", "stride": "1", "groups": "1", field: value}
    fields = ", ".join(f"{k}: {v}" for k, v in layer.items())
    text = "name: t\ninput: {channels: 4, height: 8, width: 8}\nlayers:\n"
    text += f"  - {{name: c, type: conv2d, {fields}}}\n"
    [msg] = problems(text)
    col = text.splitlines()[3].index(f"{field}: {value}") + len(field) + 3
    assert msg.startswith(f"t.yaml:4:{col}: E002 layer 'c': {field}: must be a positive integer"), (
        msg
    )
    assert shown in msg, msg


@pytest.mark.parametrize("value", ["0", "-3", "2.5", "true", "null", "'x y'", "[1]"])
def test_bad_input_sizes_are_refused_by_name(value: str) -> None:
    [msg] = problems(
        f"name: t\ninput: {{channels: {value}, height: 8}}\nlayers: [{{type: relu}}]\n"
    )
    assert msg.startswith(
        "t.yaml:2:19: E002 input channels must be a positive integer or a symbol"
    ), msg


def test_a_layer_reading_from_itself_is_named() -> None:
    base = (
        "name: t\ninput: {channels: 3, length: 8}\nlayers:\n  - {name: a, type: relu, from: %s}\n"
    )
    for ref in ["a", "[input, a]"]:
        [msg] = problems(base % ref)
        assert msg == (
            "t.yaml:4:27: E105 layer 'a': layer 'a' reads from itself "
            "(hint: from: names an earlier layer)"
        ), msg


def test_forward_and_unknown_references_are_named() -> None:
    text = (
        "name: t\ninput: {channels: 3, length: 8}\nlayers:\n"
        "  - {name: a, type: add, from: [b, input]}\n  - {name: b, type: add, from: [a, input]}\n"
        "  - {name: c, type: relu, from: nowhere}\n"
    )
    msgs = problems(text)
    assert msgs[0].startswith("t.yaml:4:26: E105 layer 'a': from: 'b' is not an earlier layer"), (
        msgs
    )
    assert msgs[1].startswith("t.yaml:6:27: E105 layer 'c': from: 'nowhere' is not an earlier"), (
        msgs
    )


def test_names_with_control_characters_are_refused(cnncalc: Cli, tmp_path: Path) -> None:
    text = (
        "name: t\ninput: {channels: 3, length: 8}\nlayers:\n"
        '  - {name: "a\\nb", type: relu}\n  - {name: "x\\u202ey", type: relu}\n'
    )
    spec = tmp_path / "n.yaml"
    spec.write_text(text)
    run = cnncalc("params", str(spec))
    assert run.code == 1
    assert run.err.splitlines() == [  # one line per problem: no name forges a line of its own
        f"{spec}:4:12: E004 layer 'a\\nb': bad layer name 'a\\nb' (hint: names are non-empty, "
        "not 'input', without '.')",
        f"{spec}:5:12: E004 layer 'x\\u202ey': bad layer name 'x\\u202ey' (hint: names are "
        "non-empty, not 'input', without '.')",
    ]


def test_runaway_figures_are_refused() -> None:
    s = 10**99
    text = "name: t\ninput: {channels: 1, height: 2, width: 2}\nlayers:\n"
    text += f"  - {{type: convtranspose2d, out_channels: 1, kernel_size: 1, stride: {s}}}\n" * 12
    msgs = problems(text)
    assert len(msgs) == 1 and "comes to more than 10^1000" in msgs[0], msgs
    assert msgs[0].startswith("t.yaml:"), msgs


def test_adaptive_pool_connections_in_closed_form() -> None:
    from cnncalc.layers.adaptive_pool import AdaptivePool

    rng = random.Random(3)
    for _ in range(300):
        w, o = rng.randrange(1, 300), rng.randrange(1, 300)
        pool = AdaptivePool.model_validate({"type": "adaptiveavgpool1d", "output_size": o})
        # brute force: torch's window for output i is [⌊i·W/O⌋, ⌈(i+1)·W/O⌉)
        brute = sum(-(-(i + 1) * w // o) - i * w // o for i in range(o))
        assert pool.count((2, w), (2, o)).connections == 2 * brute, (w, o)


def test_per_output_work_is_bounded() -> None:
    base = "name: t\ninput: {channels: 4, height: H, width: 8}\nlayers:\n"
    [msg] = problems(base + "  - {type: adaptiveavgpool2d, output_size: [100000, 2]}\n")
    assert "connections into 100,000 outputs from the symbolic H are not computed" in msg, msg
    [msg] = problems(base + "  - {name: s, type: chunk, chunks: 1000000000000}\n")
    assert "chunks: Input should be less than or equal to 10000" in msg, msg
    sections = ", ".join(["1"] * 10_001)
    [msg] = problems(base + f"  - {{name: s, type: split, sections: [{sections}]}}\n")
    assert "sections: List should have at most 10000 items" in msg, msg


def test_hostile_input_options_are_usage_errors(cnncalc: Cli) -> None:
    spec = str(Path(__file__).resolve().parents[2] / "specs" / "lenet5.yaml")
    for value in ["1x²x32", "1x" + "9" * 5000 + "x32", "1x0x32", "x", "1x32", "٣x32x32"]:
        refused(cnncalc("params", spec, "--input", value), 2, "--input")


def _float_fields() -> list[tuple[str, str]]:
    """(layer type, key) for every field of every layer kind whose schema takes a number."""
    from cnncalc.layers import registry

    out = []
    for t in registry.canonical_names():
        cls, _ = registry.lookup(t)  # type: ignore[misc]
        props = cls.model_json_schema(by_alias=True).get("properties", {})
        out += [(t, key) for key, schema in props.items() if '"number"' in json.dumps(schema)]
    return out


FLOAT_FIELDS = _float_fields()
BASE_VALUES = {
    **{"padding": "1", "num_groups": "1", "normalized_shape": "[8]", "scale_factor": "2"},
    **{"size": "2", "embed_dim": "8", "num_heads": "2"},
    **{"window_size": "[2, 2]", "shift_size": "[1, 1]"},
}


def _float_spec(kind: str, key: str, value: str) -> str:
    from cnncalc.layers import registry

    cls, _ = registry.lookup(kind)  # type: ignore[misc]
    dims = {"1": "length: 8", "3": "depth: 8, height: 8, width: 8"}.get(
        kind.removesuffix("d")[-1:], "height: 8, width: 8"
    )
    fields = {
        (f.alias or n): BASE_VALUES[f.alias or n]
        for n, f in cls.model_fields.items()
        if n != "type" and (f.is_required() or (f.alias or n) == "scale_factor")
    }
    if kind == "multiheadattention":  # an L×E input, the batch first
        dims, fields["batch_first"] = "length: 8", "true"
    if kind == "relativepositionbias":  # logits heads × N × N, N = 4 tokens of a 2×2 window
        dims = "height: 4, width: 4"
    if kind == "shiftedwindowattention3d":  # a T×H×W×C input: a window entry per axis
        fields["window_size"], fields["shift_size"] = "[2, 2, 2]", "[0, 0, 0]"
    channels = 4
    if kind == "shiftedwindowattentionv2":  # a 3×3×2 input is also the bias table that a
        # window of 2×2 and 2 heads take: one value read twice
        channels, dims, fields["from"] = 3, "height: 3, width: 2", "[input, input]"
    fields[key] = value
    body = ", ".join(f"{k}: {v}" for k, v in fields.items())
    layer = f"  - {{name: f, type: {kind}, {body}}}\n"
    return f"name: t\ninput: {{channels: {channels}, {dims}}}\nlayers:\n{layer}"


def test_every_kind_with_a_number_field_is_walked() -> None:
    kinds = {kind for kind, _ in FLOAT_FIELDS}
    assert {"batchnorm2d", "leakyrelu", "constantpad2d", "upsample", "dropout", "elu"} <= kinds
    assert ("batchnorm2d", "momentum") in FLOAT_FIELDS and ("scaled_tanh", "scale") in FLOAT_FIELDS


@pytest.mark.parametrize(("kind", "key"), FLOAT_FIELDS, ids=lambda v: v)
def test_non_finite_numbers_are_refused_at_the_value(
    kind: str, key: str, cnncalc: Cli, tmp_path: Path
) -> None:
    """`.nan`, `.inf`, `-.inf` in any float field of any layer kind: one located line at
    load (before: an internal error, or `inf` and `nan.0` in generated CUDA)."""
    analyze(loads(_float_spec(kind, key, "1"), "t.yaml"))  # the spec is valid with a number
    for value in (".nan", ".inf", "-.inf", ".NaN", "+.Inf"):
        text = _float_spec(kind, key, value)
        spec = tmp_path / "t.yaml"
        spec.write_text(text)
        line = refused(cnncalc("params", str(spec)), 1, f"layer 'f': {key}: must be a")
        col = text.splitlines()[3].index(f"{key}: {value}") + len(key) + 3
        assert line.startswith(f"{spec}:4:{col}: E002 "), line
        assert "finite" in line or "probability" in line or "positive" in line, line


def test_non_finite_numbers_through_block_arguments_are_refused_where_used() -> None:
    text = (
        "name: t\ninput: {channels: 4, height: 8, width: 8}\n"
        "blocks:\n  b:\n    args: {e: .inf}\n    layers:\n"
        "      - {type: batchnorm2d, eps: $e}\n      - {type: leakyrelu, negative_slope: $e}\n"
        "layers:\n  - {type: b}\n"
    )
    msgs = problems(text)
    at = [f"t.yaml:{n}:{text.splitlines()[n - 1].index('$e') + 1}:" for n in (7, 8)]
    assert [m.split(" E002 ")[0] for m in msgs] == at, msgs
    assert all("must be a finite number, got inf" in m for m in msgs), msgs


BEYOND_INT64 = 10**21


@pytest.mark.parametrize(
    ("layer", "key"),
    [
        (f"{{type: conv2d, out_channels: 2, kernel_size: 1, dilation: {10**21}}}", "dilation"),
        (f"{{type: conv2d, out_channels: 2, kernel_size: 1, stride: [1, {10**21}]}}", "stride"),
        (f"{{type: maxpool2d, kernel_size: 1, dilation: {10**21}}}", "dilation"),
    ],
)
def test_torch_codegen_refuses_integers_beyond_int64(
    layer: str, key: str, cnncalc: Cli, tmp_path: Path
) -> None:
    """cnncalc counts with exact integers of any size (params works); torch takes int64, and
    `codegen torch --check` printed torch's multi-line C++ trace for dilation 10^21."""
    text = f"name: t\ninput: {{channels: 2, height: 8, width: 8}}\nlayers:\n  - {layer}\n"
    spec = tmp_path / "t.yaml"
    spec.write_text(text)
    assert cnncalc("params", str(spec)).code == 0
    line = refused(cnncalc("codegen", "torch", str(spec)), 1, f"{key} is {BEYOND_INT64}")
    col = text.splitlines()[3].index(f"{key}: ") + 1  # at the key, as codegen's E120s are
    assert line.startswith(f"{spec}:4:{col}: E120 layer "), line
    assert "torch takes integers up to 9,223,372,036,854,775,807" in line, line


def test_check_reports_torchs_refusal_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever torch raises while building or running the module (its C++ errors carry a
    stack trace), --check reports its first line."""
    from cnncalc.api import generate
    from cnncalc.codegen import check

    rep = analyze(loads("name: t\ninput: {channels: 2, length: 8}\nlayers:\n  - {type: relu}\n"))
    trace = "conv2d(): overflow\nException raised from f at x.h:79\nframe #0: c10::Error\n"

    def refuse(*_: object, **__: object) -> None:
        raise TypeError(trace)

    monkeypatch.setattr(check, "measure", refuse)
    result = check.compare(rep, generate(rep, "torch"))
    assert result.mismatches == ["torch could not run the module: TypeError: conv2d(): overflow …"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # a block mapping: YAML reads the text "(1, 7)"
        (
            "\n    kernel_size: (1, 7)\n",
            "got '(1, 7)' (a string): lists are written in brackets, [1, 7]",
        ),
        # a {…} mapping: the comma ends the value "(1" and "7)" becomes a key (not reported)
        (", kernel_size: (1, 7)}\n", "got '(1' (a string): lists are written in brackets, [1, …]"),
        ("\n    stride: ( 2 , 2 )\n", "stride: must be a positive integer or a list of them"),
        ("\n    padding: (1, 1)\n", "lists are written in brackets, [1, 1]"),
    ],
)
def test_a_tuple_written_as_in_python_says_lists_take_brackets(value: str, message: str) -> None:
    head = "name: t\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n"
    if value.startswith(","):
        text = head + "  - {type: conv2d, out_channels: 4" + value
    else:
        text = (
            head
            + "  - type: conv2d\n    out_channels: 4"
            + ("" if "kernel" in value else "\n    kernel_size: 1")
            + value
        )
    [msg] = problems(text)
    assert message in msg and "E002 layer 'layers[0]':" in msg, msg
