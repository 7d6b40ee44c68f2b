"""cnncalc's budgets, and cnncalc side by side with torchinfo and ONNX shape inference.

    python benchmarks/run.py                # the full run; writes the tables into docs/performance.md
    python benchmarks/run.py --quick        # 3 runs each, no peers, no 100k spec; writes nothing

Every figure is a whole process, cold start included (a fresh interpreter each run, as a user
or CI would start it), the median of --repeat runs after one untimed warm-up (runs taking over
5 s are repeated 3 times). Wall time is time.perf_counter() around the child; CPU time
(user + system) and peak RSS come from os.wait4() of that child alone. The cnncalc cases are
run round-robin so that a burst of load elsewhere on the machine spreads over all of them.

Needs the `bench` extra (torchinfo, onnx) for the peers; torchvision is not used: the two
ResNets are written in plain torch.nn in benchmarks/torch_resnet.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- benchmarks/run.py: start -->", "<!-- benchmarks/run.py: end -->"
PY = sys.executable
SLOW_S = 5.0  # a case whose warm-up takes longer is timed 3 times, not --repeat
MB = 1024 * 1024


def cnncalc_exe() -> list[str]:
    """The console script installed next to this interpreter (not a pyenv shim, which would
    add its own start-up to every figure)."""
    here = Path(PY).with_name("cnncalc")
    found = str(here) if here.exists() else shutil.which("cnncalc")
    if not found:
        raise SystemExit("cnncalc is not installed: pip install -e .")
    return [found]


@dataclass
class Case:
    key: str
    label: str
    argv: list[str]
    keep_output: bool = False
    ok_codes: tuple[int, ...] = (0,)
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)  # MiB
    output: str = ""
    error: str = ""  # why there is no figure

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def peak(self) -> float:
        return statistics.median(self.rss)

    @property
    def done(self) -> bool:
        return bool(self.walls) and not self.error


def run_once(case: Case, tmp: Path) -> None:
    """One process; appends its wall, CPU and peak RSS, or sets case.error."""
    out_path = tmp / f"{case.key}.out"
    with open(out_path, "wb") as out, open(tmp / f"{case.key}.err", "wb") as err:
        t = time.perf_counter()
        proc = subprocess.Popen(case.argv, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    if code not in case.ok_codes:
        lines = (tmp / f"{case.key}.err").read_text(errors="replace").strip().splitlines()
        case.error = f"exit {code}: {lines[-1] if lines else 'no message'}"
        return
    case.walls.append(wall)
    case.cpus.append(usage.ru_utime + usage.ru_stime)
    case.rss.append(usage.ru_maxrss / 1024)  # Linux reports KiB
    if case.keep_output:
        case.output = out_path.read_text()


def measure(cases: Sequence[Case], repeat: int, tmp: Path, log: Callable[[str], None]) -> None:
    """A warm-up of each case, then `repeat` rounds over all of them (3 for slow ones)."""
    rounds: dict[str, int] = {}
    for c in cases:
        run_once(c, tmp)
        if c.error:
            log(f"  {c.label}: {c.error}")
            continue
        rounds[c.key] = 3 if c.walls[0] > SLOW_S else repeat
        c.walls.clear(), c.cpus.clear(), c.rss.clear()
    for r in range(max(rounds.values(), default=0)):
        for c in cases:
            if not c.error and r < rounds.get(c.key, 0):
                run_once(c, tmp)
    for c in cases:
        if c.done:
            log(f"  {c.label}: {c.wall:.3f} s wall, {c.cpu:.3f} s CPU, {c.peak:.1f} MB ({len(c.walls)} runs)")


# ---- inputs ------------------------------------------------------------------------------
def generated_spec(path: Path, layers: int) -> None:
    """A plain chain: (3×3 conv, batch norm, ReLU) repeated over 8×32×32, then a classifier."""
    body = [
        "  - {type: conv2d, out_channels: 8, kernel_size: 3, padding: 1}",
        "  - {type: batchnorm2d}",
        "  - {type: relu}",
    ]
    lines = [f"name: generated-{layers}", "input: {channels: 8, height: 32, width: 32}", "layers:"]
    lines += [body[i % 3] for i in range(layers - 2)]
    lines += ["  - {type: flatten}", "  - {type: linear, out_features: 10}"]
    path.write_text("\n".join(lines) + "\n")


def lint_corpus(folder: Path, files: int) -> int:
    """`files` small specs, 8 to 40 layers, LeNet/VGG-like, deterministic; some carry lint
    findings (a 4×4 kernel with padding 1, a pooling that drops input rows). Returns the
    number of layers written."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for n in range(files):
        width = 8 * (1 + n % 4)
        stages = 2 + n % 4
        size = 32 + 8 * (n % 5)
        lines = [f"name: corpus-{n}", f"input: {{channels: 3, height: {size}, width: {size}}}", "layers:"]
        for s in range(stages):
            convs = 1 + (n + s) % 3
            for _ in range(convs):
                k, pad = (4, 1) if (n + s) % 17 == 0 else (3, 1)
                lines.append(f"  - {{type: conv2d, out_channels: {width << s}, kernel_size: {k}, padding: {pad}}}")
                lines.append("  - {type: batchnorm2d}")
                lines.append("  - {type: relu}")
            lines.append(f"  - {{type: maxpool2d, kernel_size: {3 if n % 13 == 0 else 2}, stride: 2}}")
        lines += ["  - {type: flatten}", f"  - {{type: linear, out_features: {10 + n % 90}}}"]
        total += sum(1 for line in lines if line.startswith("  - "))
        (folder / f"spec{n:04d}.yaml").write_text("\n".join(lines) + "\n")
    return total


# ---- checks on what the processes printed ------------------------------------------------
PARAM_KEYS = ("params", "trainable_params", "non_trainable_params", "buffers")


def params_columns(output: str) -> list[tuple[object, ...]]:
    data = json.loads(output)
    rows = [tuple(layer[k] for k in ("name", *PARAM_KEYS)) for layer in data["layers"]]
    return [*rows, tuple(data["totals"][k] for k in PARAM_KEYS)]


def total_params_torchinfo(output: str) -> int | None:
    m = re.search(r"Total params: ([\d,]+)", output)
    return int(m.group(1).replace(",", "")) if m else None


def total_params_cnncalc(output: str) -> int | None:
    m = re.search(r"Trainable params: ([\d,]+)\s+Non-trainable params: ([\d,]+)", output)
    return int(m.group(1).replace(",", "")) + int(m.group(2).replace(",", "")) if m else None


# ---- the report --------------------------------------------------------------------------
def secs(c: Case | None) -> str:
    if c is None or not c.done:
        return "n/a"
    return f"{c.wall:.3f}" if c.wall < 10 else f"{c.wall:.1f}"


def mem(c: Case | None) -> str:
    return f"{c.peak:.0f}" if c is not None and c.done else "n/a"


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    versions = []
    for mod in ("pydantic", "typer", "rich", "yaml", "torch", "torchinfo", "onnx"):
        try:
            versions.append(f"{mod} {version('pyyaml' if mod == 'yaml' else mod)}")
        except PackageNotFoundError:  # a peer that is not installed
            versions.append(f"{mod} absent")
    return [
        f"{cpu}, {len(os.sched_getaffinity(0))} cores, {mem_gb:.0f} GB; {platform.platform()}",
        f"Python {platform.python_version()}; " + ", ".join(versions),
    ]


def main() -> None:  # noqa: C901 - one linear script: cases, measurement, report
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7, help="runs per case (median reported)")
    ap.add_argument("--quick", action="store_true", help="3 runs, no peers, no 100k spec, no doc")
    ap.add_argument("--no-peers", action="store_true", help="skip torchinfo and ONNX")
    ap.add_argument("--no-write", action="store_true", help=f"print only; leave {DOC.name} alone")
    ns = ap.parse_args()
    repeat = 3 if ns.quick else ns.repeat
    peers = not (ns.quick or ns.no_peers)
    command = "python benchmarks/run.py" + "".join(f" {a}" for a in sys.argv[1:])
    log = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731
    load_before = os.getloadavg()
    began = time.time()

    tmp = Path(tempfile.mkdtemp(prefix="cnncalc-bench-"))
    try:
        cc = cnncalc_exe()
        sizes = (1_000, 10_000) if ns.quick else (1_000, 10_000, 100_000)
        for n in sizes:
            generated_spec(tmp / f"gen{n}.yaml", n)
        corpus_layers = lint_corpus(tmp / "corpus", 1000)
        r50, r152, lenet = "specs/resnet50.yaml", "specs/resnet152.yaml", "specs/lenet5.yaml"
        J = ["--format", "json"]
        cases = [
            Case("floor", "python -c pass (interpreter start, the floor)", [PY, "-c", "pass"]),
            Case("lenet_json", "LeNet-5, json", [*cc, "params", lenet, *J]),
            Case("lenet", "LeNet-5, table", [*cc, "params", lenet]),
            Case("r50", "ResNet-50, table", [*cc, "params", r50], keep_output=True),
            Case("r50_json", "ResNet-50, json", [*cc, "params", r50, *J]),
            Case("r152", "ResNet-152, table", [*cc, "params", r152], keep_output=True),
            Case("r152_json", "ResNet-152, json", [*cc, "params", r152, *J]),
            Case("r50_224", "ResNet-50 at 3×224×224, json", [*cc, "params", r50, "-i", "3x224x224", *J], True),
            Case("r50_8192", "ResNet-50 at 3×8192×8192, json", [*cc, "params", r50, "-i", "3x8192x8192", *J], True),
            Case("r50_sym", "ResNet-50 at 3×H×W (symbolic), json", [*cc, "params", r50, "-i", "3xHxW", *J]),
        ]
        for size in (1024, 2048):
            cases.append(Case(f"r50_{size}t", f"ResNet-50 at {size}, table", [*cc, "params", r50, "-i", f"3x{size}x{size}"]))
        cases.append(Case("r152_1024t", "ResNet-152 at 1024, table", [*cc, "params", r152, "-i", "3x1024x1024"]))
        for n in sizes:
            spec = str(tmp / f"gen{n}.yaml")
            if n <= 10_000:
                cases.append(Case(f"gen{n}", f"generated {n:,} layers, json", [*cc, "params", spec, *J]))
            else:  # over spec/yamlpos.MAX_NODES: the same CLI with the safety caps lifted
                cases.append(Case(f"gen{n}", f"generated {n:,} layers, json (caps lifted)",
                                  [PY, str(BENCH / "lifted.py"), "params", spec, *J]))
        lint = Case("lint", f"cnncalc lint, 1,000 files ({corpus_layers:,} layers)",
                    [*cc, "lint", str(tmp / "corpus")], ok_codes=(0, 1))
        log(f"cnncalc: {repeat} runs each, round-robin")
        measure(cases, repeat, tmp, log)
        by = {c.key: c for c in cases}
        if subprocess.run([*cc, "lint", "--help"], capture_output=True, cwd=ROOT).returncode == 0:
            measure([lint], repeat, tmp, log)
        else:
            lint.error = "`cnncalc lint` does not exist yet"
        by["lint"] = lint

        peer_cases: list[Case] = []
        if peers:
            pp = [PY, str(BENCH / "peers.py")]
            for net, size in (("resnet50", 224), ("resnet152", 224), ("resnet50", 1024),
                              ("resnet152", 1024), ("resnet50", 2048)):
                peer_cases.append(Case(f"ti_{net}_{size}", f"torchinfo {net} {size}",
                                       [*pp, "torchinfo", net, str(size)], keep_output=True))
            onnx_file = tmp / "resnet50.onnx"
            exported = subprocess.run([*pp, "onnx-export", "resnet50", str(onnx_file)],
                                      capture_output=True, text=True, cwd=ROOT)
            onnx_case = Case("onnx_r50", "onnx infer_shapes resnet50", [*pp, "onnx", str(onnx_file)], keep_output=True)
            if exported.returncode != 0:
                tail = exported.stderr.strip().splitlines()
                onnx_case.error = f"export failed: {tail[-1] if tail else exported.returncode}"
            peer_cases.append(onnx_case)
            log(f"peers: {repeat} runs each (3 when a run takes over {SLOW_S:.0f} s)")
            measure([c for c in peer_cases if not c.error], repeat, tmp, log)
            by.update({c.key: c for c in peer_cases})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # ---- checks -------------------------------------------------------------------------
    notes: list[str] = []
    same_params = None
    if by["r50_224"].done and by["r50_8192"].done:
        same_params = params_columns(by["r50_224"].output) == params_columns(by["r50_8192"].output)
    for key, want in (("r50", 25_557_032), ("r152", 60_192_808)):
        got = total_params_cnncalc(by[key].output) if by[key].done else None
        if got is not None and got != want:
            notes.append(f"**{by[key].label} printed {got:,} parameters, torchvision's figure is {want:,}.**")
    for c in peer_cases:
        if c.done and c.key.startswith("ti_"):
            want = 25_557_032 if "resnet50" in c.key else 60_192_808
            got = total_params_torchinfo(c.output)
            if got != want:
                notes.append(f"**{c.label} counted {got} parameters, expected {want:,}.**")
    onnx_inproc = None
    if "onnx_r50" in by and by["onnx_r50"].done:
        m = re.search(r"infer_shapes_s=([\d.]+)", by["onnx_r50"].output)
        onnx_inproc = float(m.group(1)) if m else None

    # ---- budgets ------------------------------------------------------------------------
    def row(label: str, limit: str, got: str, holds: bool | None) -> str:
        verdict = "n/a" if holds is None else ("holds" if holds else "**misses**")
        return f"| {label} | {limit} | {got} | {verdict} |"

    def under(key: str, limit: float) -> tuple[str, bool | None]:
        c = by.get(key)
        return (f"{c.wall:.3f} s", c.wall <= limit) if c and c.done else (f"n/a ({c.error if c else 'not run'})", None)

    budget = ["| budget | limit | measured (median) | verdict |", "|---|---|---|---|"]
    for key, limit in (("r50", 0.25), ("r50_json", 0.25)):
        got, ok = under(key, limit)
        budget.append(row(f"`cnncalc params {r50}`" + (" --format json" if key.endswith("json") else ""),
                          f"≤ {limit} s", got, ok))
    for key in ("r50", "r50_json"):
        c = by[key]
        budget.append(row(f"peak memory, {c.label}", "≤ 80 MB", f"{mem(c)} MB", c.peak <= 80 if c.done else None))
    for key in ("r152", "r152_json"):
        got, ok = under(key, 0.3)
        budget.append(row(f"`cnncalc params {r152}`" + (" --format json" if key.endswith("json") else ""),
                          "≤ 0.3 s", got, ok))
    a, b = by["r50_224"], by["r50_8192"]
    if a.done and b.done:
        diff = b.wall / a.wall - 1
        budget.append(row("ResNet-50 at 8192 vs at 224 (json)", "within 10%",
                          f"{b.wall:.3f} vs {a.wall:.3f} s ({diff:+.1%})", abs(diff) <= 0.10))
        budget.append(row("the same, parameter columns", "identical",
                          "identical" if same_params else "**differ**", bool(same_params)))
    got, ok = under("r50_sym", 0.5)
    budget.append(row("ResNet-50 with `--input 3xHxW`", "≤ 0.5 s", got, ok))
    got, ok = under("gen10000", 2.0)
    budget.append(row("generated 10,000-layer spec", "≤ 2 s", got, ok))
    gens = [by[f"gen{n}"] for n in sizes]
    if all(g.done for g in gens) and len(gens) == 3:
        per = [(gens[i + 1].wall - gens[i].wall) / (sizes[i + 1] - sizes[i]) * 1e6 for i in range(2)]
        budget.append(row("growth 1k → 10k → 100k layers (µs per added layer)", "linear",
                          f"{per[0]:.0f} then {per[1]:.0f} µs/layer", per[1] <= 1.5 * per[0]))
    got, ok = under("lint", 5.0)
    budget.append(row("`cnncalc lint` over 1,000 files", "≤ 5 s", got, ok))

    # ---- all cnncalc figures ------------------------------------------------------------
    floor = by["floor"]
    detail = ["| case | wall s | CPU s | peak MB | runs |", "|---|---:|---:|---:|---:|"]
    for c in [*cases, lint]:
        if c.done:
            detail.append(f"| {c.label} | {c.wall:.3f} | {c.cpu:.3f} | {c.peak:.0f} | {len(c.walls)} |")
        else:
            detail.append(f"| {c.label} | n/a | | | {c.error} |")

    # ---- side by side -------------------------------------------------------------------
    side = []
    if peers:
        side = ["| network, input | cnncalc s | torchinfo s | torchinfo ÷ cnncalc | cnncalc MB | torchinfo MB |",
                "|---|---:|---:|---:|---:|---:|"]
        pairs = (("ResNet-50, 224", "r50", "ti_resnet50_224"), ("ResNet-152, 224", "r152", "ti_resnet152_224"),
                 ("ResNet-50, 1024", "r50_1024t", "ti_resnet50_1024"),
                 ("ResNet-152, 1024", "r152_1024t", "ti_resnet152_1024"),
                 ("ResNet-50, 2048", "r50_2048t", "ti_resnet50_2048"))
        for label, mine, theirs in pairs:
            m, t = by.get(mine), by.get(theirs)
            ratio = f"{t.wall / m.wall:.0f}×" if m and t and m.done and t.done else "n/a"
            side.append(f"| {label} | {secs(m)} | {secs(t)} | {ratio} | {mem(m)} | {mem(t)} |")
        o, m = by.get("onnx_r50"), by["r50_json"]
        if o is not None:
            ratio = f"{o.wall / m.wall:.0f}×" if o.done and m.done else "n/a"
            inproc = f"; infer_shapes alone {onnx_inproc:.3f} s in-process" if onnx_inproc else ""
            side.append("")
            side.append("| ONNX shape inference, ResNet-50 | cnncalc s (json) | onnx s | onnx ÷ cnncalc | cnncalc MB | onnx MB |")
            side.append("|---|---:|---:|---:|---:|---:|")
            side.append(f"| onnx.load + infer_shapes (weights in the file){inproc} | {secs(m)} | {secs(o)} | {ratio} "
                        f"| {mem(m)} | {mem(o)} |" if o.done else f"| {o.error} | | | | | |")

    load_after = os.getloadavg()
    minutes = (time.time() - began) / 60
    text = [
        START,
        f"Made by `{command}` on {time.strftime('%Y-%m-%d %H:%M')} ({minutes:.1f} min):",
        "",
        *[f"- {line}" for line in machine()],
        f"- load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after: other work on the "
        "machine inflates wall times; CPU time is the steadier figure",
        f"- interpreter start alone (`python -c pass`): {floor.wall:.3f} s wall" if floor.done else "",
        "",
        "### Budgets",
        "",
        *budget,
        "",
        *notes,
        "### Every cnncalc case",
        "",
        *detail,
        "",
    ]
    if side:
        text += ["### Side by side (whole processes, cold start included)", "", *side, ""]
    text.append(END)
    report = "\n".join(line for line in text if line is not None)
    print(report)
    if ns.quick or ns.no_write:
        return
    doc = DOC.read_text() if DOC.exists() else f"# Performance\n\n{START}\n{END}\n"
    if START not in doc or END not in doc:
        doc = doc.rstrip() + f"\n\n{START}\n{END}\n"
    head, rest = doc.split(START, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(head + report + tail)
    log(f"written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
