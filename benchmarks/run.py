"""cnncalc's budgets, and cnncalc side by side with torchinfo and ONNX shape inference.

    python benchmarks/run.py           # the full run; writes its tables into docs/performance.md
    python benchmarks/run.py --quick   # 3 runs each, no peers, no 100k spec; writes nothing

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- benchmarks/run.py: start -->", "<!-- benchmarks/run.py: end -->"
PY = sys.executable
BOOSTED = "CNNCALC_BENCH_BOOSTED"  # set in the re-started process that --nice runs in
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


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(cases: Sequence[Case], repeat: int, tmp: Path) -> None:
    """A warm-up of each case, then `repeat` rounds over all of them (3 for slow ones)."""
    rounds: dict[str, int] = {}
    for c in cases:
        run_once(c, tmp)
        if c.error:
            log(f"  {c.label}: {c.error}")
            continue
        rounds[c.key] = 3 if c.walls[0] > SLOW_S else repeat
        c.walls.clear()
        c.cpus.clear()
        c.rss.clear()
    for r in range(max(rounds.values(), default=0)):
        for c in cases:
            if not c.error and r < rounds.get(c.key, 0):
                run_once(c, tmp)
    for c in cases:
        if c.done:
            runs = len(c.walls)
            log(f"  {c.label}: {c.wall:.3f} s, {c.cpu:.3f} s CPU, {c.peak:.1f} MB ({runs} runs)")


def paired(a: Case, b: Case, pairs: int, tmp: Path) -> list[float]:
    """b's wall over a's, run back to back `pairs` times (the order alternating): on a shared
    machine whose speed drifts over seconds, both runs of a pair see the same speed, where
    two medians taken over a whole round-robin need not. The runs are kept apart from the
    round-robin's figures."""
    ratios = []
    for i in range(pairs):
        first, second = (a, b) if i % 2 == 0 else (b, a)
        for c in (first, second):
            run_once(c, tmp)
        if a.error or b.error:
            return []
        ratios.append(b.walls.pop() / a.walls.pop())
        for c in (a, b):
            c.cpus.pop()
            c.rss.pop()
    return ratios


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
        stages = 2 + n % 3  # 32 px and up halved at most 4 times: never below 2 px
        size = 32 + 8 * (n % 5)
        lines = [
            f"name: corpus-{n}",
            f"input: {{channels: 3, height: {size}, width: {size}}}",
            "layers:",
        ]
        for s in range(stages):
            convs = 1 + (n + s) % 3
            for _ in range(convs):
                k, pad = (4, 1) if s == 0 and n % 17 == 0 and n % 13 else (3, 1)  # 4×4: one px less
                conv = f"out_channels: {width << s}, kernel_size: {k}, padding: {pad}"
                lines.append(f"  - {{type: conv2d, {conv}}}")
                lines.append("  - {type: batchnorm2d}")
                lines.append("  - {type: relu}")
            lines.append(
                f"  - {{type: maxpool2d, kernel_size: {3 if n % 13 == 0 else 2}, stride: 2}}"
            )
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


# ---- the cases ---------------------------------------------------------------------------
R50, R152, LENET = "specs/resnet50.yaml", "specs/resnet152.yaml", "specs/lenet5.yaml"
# the largest torchvision classifiers (632 M and 645 M parameters), held to ResNet-152's budget
VITH, REGNET128 = "specs/vit/vit_h_14.yaml", "specs/regnet/regnet_y_128gf.yaml"
JSON = ["--format", "json"]
TORCHVISION_PARAMS = {"resnet50": 25_557_032, "resnet152": 60_192_808}  # torchvision's docs
PEERS = (
    ("resnet50", 224),
    ("resnet152", 224),
    ("resnet50", 1024),
    ("resnet152", 1024),
    ("resnet50", 2048),
)
MATCH = {  # torchinfo case -> the cnncalc case with the same network and input (both tables)
    "ti_resnet50_224": "r50",
    "ti_resnet152_224": "r152",
    "ti_resnet50_1024": "r50_1024",
    "ti_resnet152_1024": "r152_1024",
    "ti_resnet50_2048": "r50_2048",
}


def cnncalc_cases(tmp: Path, sizes: Sequence[int]) -> list[Case]:
    cc = cnncalc_exe()

    def params(key: str, label: str, *args: str, keep: bool = False) -> Case:
        return Case(key, label, [*cc, "params", *args], keep_output=keep)

    cases = [
        Case("floor", "python -c pass (interpreter start, the floor)", [PY, "-c", "pass"]),
        params("lenet_json", "LeNet-5, json", LENET, *JSON),
        params("lenet", "LeNet-5, table", LENET),
        params("r50", "ResNet-50, table", R50, keep=True),
        params("r50_json", "ResNet-50, json", R50, *JSON),
        params("r152", "ResNet-152, table", R152, keep=True),
        params("r152_json", "ResNet-152, json", R152, *JSON),
        params("vith", "ViT-H/14, table", VITH),
        params("vith_json", "ViT-H/14, json", VITH, *JSON),
        params("regnet128", "RegNetY-128GF, table", REGNET128),
        params("regnet128_json", "RegNetY-128GF, json", REGNET128, *JSON),
        params("r50_224", "ResNet-50 at 3×224×224, json", R50, "-i", "3x224x224", *JSON, keep=True),
        params(
            "r50_8192", "ResNet-50 at 3×8192×8192, json", R50, "-i", "3x8192x8192", *JSON, keep=True
        ),
        params("r50_sym", "ResNet-50 at 3×H×W (symbolic), json", R50, "-i", "3xHxW", *JSON),
        params("r50_1024", "ResNet-50 at 1024, table", R50, "-i", "3x1024x1024"),
        params("r50_2048", "ResNet-50 at 2048, table", R50, "-i", "3x2048x2048"),
        params("r152_1024", "ResNet-152 at 1024, table", R152, "-i", "3x1024x1024"),
    ]
    for n in sizes:
        spec = str(tmp / f"gen{n}.yaml")
        if n <= 10_000:
            cases.append(params(f"gen{n}", f"generated {n:,} layers, json", spec, *JSON))
        else:  # over spec/yamlpos.MAX_NODES: the same entry point with the safety caps lifted
            argv = [PY, str(BENCH / "lifted.py"), "params", spec, *JSON]
            cases.append(Case(f"gen{n}", f"generated {n:,} layers, json (caps lifted)", argv))
    return cases


def lint_case(tmp: Path, layers: int) -> Case:
    cc = cnncalc_exe()
    case = Case(
        "lint",
        f"cnncalc lint, 1,000 files ({layers:,} layers)",
        [*cc, "lint", str(tmp / "corpus")],
        ok_codes=(0, 1),
    )
    if subprocess.run([*cc, "lint", "--help"], capture_output=True, cwd=ROOT).returncode != 0:
        case.error = "`cnncalc lint` does not exist yet"
    return case


def peer_cases(tmp: Path) -> list[Case]:
    pp = [PY, str(BENCH / "peers.py")]
    cases = [
        Case(
            f"ti_{net}_{size}",
            f"torchinfo {net} {size}",
            [*pp, "torchinfo", net, str(size)],
            keep_output=True,
        )
        for net, size in PEERS
    ]
    onnx_file = tmp / "resnet50.onnx"
    onnx = Case(
        "onnx_r50", "onnx infer_shapes resnet50", [*pp, "onnx", str(onnx_file)], keep_output=True
    )
    exported = subprocess.run(
        [*pp, "onnx-export", "resnet50", str(onnx_file)], capture_output=True, text=True, cwd=ROOT
    )
    if exported.returncode != 0:
        tail = exported.stderr.strip().splitlines()
        onnx.error = f"export failed: {tail[-1] if tail else exported.returncode}"
    return [*cases, onnx]


# ---- the report --------------------------------------------------------------------------
def secs(c: Case | None) -> str:
    if c is None or not c.done:
        return "n/a"
    return f"{c.wall:.3f}" if c.wall < 10 else f"{c.wall:.1f}"


def mem(c: Case | None) -> str:
    return f"{c.peak:.0f}" if c is not None and c.done else "n/a"


def ratio(num: Case | None, den: Case | None) -> str:
    ok = num is not None and den is not None and num.done and den.done
    return f"{num.wall / den.wall:.0f}×" if ok else "n/a"  # type: ignore[union-attr]


def verdict(holds: bool | None) -> str:
    return "n/a" if holds is None else ("holds" if holds else "**misses**")


def budgets(by: dict[str, Case], sizes: Sequence[int], ratios: Sequence[float]) -> list[str]:
    rows = ["| budget | limit | measured (median) | verdict |", "|---|---|---|---|"]

    def under(label: str, key: str, limit: float) -> None:
        c = by.get(key)
        if c is None or not c.done:
            rows.append(f"| {label} | ≤ {limit} s | n/a ({c.error if c else 'not run'}) | n/a |")
        else:
            rows.append(f"| {label} | ≤ {limit} s | {c.wall:.3f} s | {verdict(c.wall <= limit)} |")

    under(f"`cnncalc params {R50}`", "r50", 0.25)
    under(f"`cnncalc params {R50} --format json`", "r50_json", 0.25)
    for key in ("r50", "r50_json"):
        c = by[key]
        holds = c.peak <= 80 if c.done else None
        rows.append(f"| peak memory, {c.label} | ≤ 80 MB | {mem(c)} MB | {verdict(holds)} |")
    under(f"`cnncalc params {R152}`", "r152", 0.3)
    under(f"`cnncalc params {R152} --format json`", "r152_json", 0.3)
    for spec, key in ((VITH, "vith"), (REGNET128, "regnet128")):
        under(f"`cnncalc params {spec}`", key, 0.3)
        under(f"`cnncalc params {spec} --format json`", f"{key}_json", 0.3)
    a, b = by["r50_224"], by["r50_8192"]
    if a.done and b.done:
        if ratios:
            diff = statistics.median(ratios) - 1
            how = f"{diff:+.1%}, median of {len(ratios)} back-to-back pairs"
        else:
            diff = b.wall / a.wall - 1
            how = f"{diff:+.1%}"
        rows.append(
            f"| ResNet-50 at 8192 vs at 224 (json) | within 10% | {b.wall:.3f} vs "
            f"{a.wall:.3f} s ({how}) | {verdict(abs(diff) <= 0.10)} |"
        )
        same = params_columns(a.output) == params_columns(b.output)
        rows.append(
            f"| the same, every parameter and buffer figure | identical | "
            f"{'identical' if same else 'differ'} | {verdict(same)} |"
        )
    under("ResNet-50 with `--input 3xHxW`", "r50_sym", 0.5)
    under("generated 10,000-layer spec", "gen10000", 2.0)
    gens = [by[f"gen{n}"] for n in sizes]
    if len(gens) == 3 and all(g.done for g in gens):
        per = [(gens[i + 1].wall - gens[i].wall) / (sizes[i + 1] - sizes[i]) * 1e6 for i in (0, 1)]
        rows.append(
            f"| 1k → 10k → 100k layers: seconds per added layer | linear | {per[0]:.0f} "
            f"then {per[1]:.0f} µs/layer | {verdict(per[1] <= 1.5 * per[0])} |"
        )
    under("`cnncalc lint` over 1,000 files", "lint", 5.0)
    return rows


def every_case(cases: Sequence[Case]) -> list[str]:
    rows = ["| case | wall s | CPU s | peak MB | runs |", "|---|---:|---:|---:|---:|"]
    for c in cases:
        if c.done:
            rows.append(
                f"| {c.label} | {c.wall:.3f} | {c.cpu:.3f} | {c.peak:.0f} | {len(c.walls)} |"
            )
        else:
            rows.append(f"| {c.label} | n/a | | | {c.error} |")
    return rows


def side_by_side(by: dict[str, Case]) -> list[str]:
    rows = [
        "| network, input | cnncalc s | torchinfo s | torchinfo ÷ cnncalc "
        "| cnncalc MB | torchinfo MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for net, size in PEERS:
        theirs, mine = by.get(f"ti_{net}_{size}"), by.get(MATCH[f"ti_{net}_{size}"])
        label = f"{'ResNet-50' if net == 'resnet50' else 'ResNet-152'}, {size}×{size}"
        rows.append(
            f"| {label} | {secs(mine)} | {secs(theirs)} | {ratio(theirs, mine)} "
            f"| {mem(mine)} | {mem(theirs)} |"
        )
    onnx, mine = by.get("onnx_r50"), by.get("r50_json")
    if onnx is not None:
        found = re.search(r"infer_shapes_s=([\d.]+)", onnx.output) if onnx.done else None
        inproc = f"; `infer_shapes` alone {float(found.group(1)):.3f} s" if found else ""
        rows += [
            "",
            "| ONNX, ResNet-50 | cnncalc s (json) | onnx s | onnx ÷ cnncalc "
            "| cnncalc MB | onnx MB |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        what = f"`onnx.load` (weights in the file) + `infer_shapes`{inproc}"
        if onnx.done:
            rows.append(
                f"| {what} | {secs(mine)} | {secs(onnx)} | {ratio(onnx, mine)} "
                f"| {mem(mine)} | {mem(onnx)} |"
            )
        else:
            rows.append(f"| {what}: {onnx.error} | | | | | |")
    return rows


def checks(by: dict[str, Case]) -> list[str]:
    """Each tool saw the network it was meant to: the parameter totals everyone prints."""
    notes = []
    for key, net in (("r50", "resnet50"), ("r152", "resnet152")):
        c = by[key]
        got = total_params_cnncalc(c.output) if c.done else None
        if got is not None and got != TORCHVISION_PARAMS[net]:
            notes.append(
                f"**{c.label} printed {got:,} parameters, not torchvision's "
                f"{TORCHVISION_PARAMS[net]:,}.**"
            )
    for net, size in PEERS:
        peer = by.get(f"ti_{net}_{size}")
        counted = total_params_torchinfo(peer.output) if peer is not None and peer.done else None
        if peer is not None and peer.done and counted != TORCHVISION_PARAMS[net]:
            notes.append(
                f"**{peer.label} counted {counted} parameters, not {TORCHVISION_PARAMS[net]:,}.**"
            )
    return notes


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
    for mod in ("pydantic", "typer", "rich", "pyyaml", "torch", "torchinfo", "onnx"):
        try:
            versions.append(f"{mod} {version(mod)}")
        except PackageNotFoundError:  # a peer that is not installed
            versions.append(f"{mod} absent")
    return [
        f"{cpu}, {len(os.sched_getaffinity(0))} cores, {mem_gb:.0f} GB; {platform.platform()}",
        f"Python {platform.python_version()}; " + ", ".join(versions),
        interpreter(),
    ]


def interpreter() -> str:
    """Whether this is a virtual environment, and the .pth files that run code at every start
    (this machine's own interpreter has one that imports certifi, ~30 ms of every run)."""
    import site

    venv = sys.prefix != sys.base_prefix
    running = []
    for folder in site.getsitepackages():
        for pth in sorted(Path(folder).glob("*.pth")):
            lines = pth.read_text(errors="replace").splitlines()
            if any(line.startswith(("import ", "import\t")) for line in lines):
                running.append(pth.name)
    where = "a virtual environment" if venv else "the system interpreter"
    pths = ", ".join(f"`{n}`" for n in running) or "none"
    return f"interpreter: {where} ({sys.prefix}); .pth files that run code at start-up: {pths}"


def write_doc(report: str) -> None:
    """Replace the generated part of docs/performance.md; the prose around it stays."""
    doc = DOC.read_text() if DOC.exists() else f"# Performance\n\n{START}\n{END}\n"
    if START not in doc or END not in doc:
        doc = doc.rstrip() + f"\n\n{START}\n{END}\n"
    head, rest = doc.split(START, 1)
    DOC.write_text(head + report + rest.split(END, 1)[1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeat", type=int, default=11, help="runs per case (median reported)")
    ap.add_argument("--quick", action="store_true", help="3 runs, no peers, no 100k spec, no doc")
    ap.add_argument("--no-peers", action="store_true", help="skip torchinfo and ONNX")
    ap.add_argument("--no-write", action="store_true", help=f"print only; leave {DOC.name} alone")
    ap.add_argument(
        "--nice",
        type=int,
        default=0,
        help="raise this run's CPU priority (e.g. -10, as root) on a machine busy with "
        "other work; the figures then approach a quiet machine's",
    )
    ns = ap.parse_args()
    if ns.nice and os.environ.get(BOOSTED) != "1":
        # a session of its own: Linux schedules sessions as groups (autogroup), so a plain nice
        # does not reach across them; this group's priority is raised and dies with the run
        env = {**os.environ, BOOSTED: "1"}
        child = subprocess.run([PY, __file__, *sys.argv[1:]], start_new_session=True, env=env)
        raise SystemExit(child.returncode)
    if ns.nice:
        try:
            Path("/proc/self/autogroup").write_text(str(ns.nice))
        except OSError:
            log("could not raise the autogroup's priority; nice only")
        os.nice(ns.nice)  # inherited by every process the benchmark starts
    repeat = 3 if ns.quick else ns.repeat
    with_peers = not (ns.quick or ns.no_peers)
    try:  # the interpreter as typed: a virtual environment's in the repository, or `python`
        python = str(Path(PY).relative_to(ROOT))
    except ValueError:
        python = "python"
    command = " ".join([python, "benchmarks/run.py", *sys.argv[1:]])
    load_before, began = os.getloadavg(), time.time()
    sizes = (1_000, 10_000) if ns.quick else (1_000, 10_000, 100_000)

    tmp = Path(tempfile.mkdtemp(prefix="cnncalc-bench-"))
    try:
        for n in sizes:
            generated_spec(tmp / f"gen{n}.yaml", n)
        cases = cnncalc_cases(tmp, sizes)
        lint = lint_case(tmp, lint_corpus(tmp / "corpus", 1000))
        log(f"cnncalc: {repeat} runs each, round-robin")
        measure(cases, repeat, tmp)
        by_key = {c.key: c for c in cases}
        ratios = paired(by_key["r50_224"], by_key["r50_8192"], 3 * repeat, tmp)
        if ratios:
            log(f"  8192 over 224, back to back: {statistics.median(ratios) - 1:+.1%}")
        if not lint.error:
            measure([lint], repeat, tmp)
        peers = peer_cases(tmp) if with_peers else []
        if peers:
            log(f"peers: {repeat} runs each (3 when a run takes over {SLOW_S:.0f} s)")
            measure([c for c in peers if not c.error], repeat, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    by = {c.key: c for c in [*cases, lint, *peers]}
    floor = by["floor"]
    load_after = os.getloadavg()
    text = [
        START,
        f"Made by `{command}` on {time.strftime('%Y-%m-%d %H:%M')} "
        f"({(time.time() - began) / 60:.1f} min):",
        "",
        *[f"- {line}" for line in machine()],
        f"- load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after"
        + (f", run at nice {os.nice(0)} (--nice: its own session, raised)" if ns.nice else "")
        + ": other work on the machine inflates wall times; CPU time is the steadier figure",
        f"- interpreter start alone (`python -c pass`): {secs(floor)} s wall",
        "",
        "### Budgets",
        "",
        *budgets(by, sizes, ratios),
        "",
        *checks(by),
        "### Every cnncalc case",
        "",
        *every_case([*cases, lint]),
        "",
    ]
    if peers:
        text += [
            "### Side by side (whole processes, cold start included)",
            "",
            *side_by_side(by),
            "",
        ]
    report = "\n".join([*text, END])
    print(report)
    if not (ns.quick or ns.no_write):
        write_doc(report)
        log(f"written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
