"""The CUDA backend on a GPU, in one command: the proof, then the speed table.

    python3 benchmarks/cuda_bench.py [--out DIR]        # on a machine with a CUDA GPU and nvcc

1. installs pydantic from build/gpu-wheels if the machine lacks it (the GPU image has torch,
   typer, rich and PyYAML but no pydantic, and no network: carry the wheels, docs/cuda.md);
2. runs the proof, tests/cuda/test_gpu_equal.py: LeNet-5, AlexNet, VGG-16, ResNet-18,
   ResNet-50 and MobileNetV2 at batch 1 and 64 equal the generated torch module on the GPU
   within 1e-4 relative error (TF32 off), and records each error;
3. times LeNet-5 latency at batch 1 and throughput at batch 8192 against torch eager and
   torch.compile, and ResNet-18 at batch 64 against torch eager (cuDNN), on the same GPU;
4. writes DIR/cuda_results.md (the tables for docs/cuda.md) and DIR/cuda_results.json.
   `python3 benchmarks/cuda_bench.py --fill-docs DIR/cuda_results.md` pastes the tables into
   docs/cuda.md (no GPU needed for that step).

Timing (docs/cuda.md, "How it was measured"): latency is wall-clock per call including the
synchronisation, median of 300 calls after 50 warm-up calls, input and output already on the
GPU; throughput and ResNet-18 are CUDA-event time over 20 calls after 5 warm-up calls, median
of 5 such runs. torch runs the generated torch module under torch.no_grad() in eval mode.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "cuda.md"
START, END = "<!-- gpu-results:start -->", "<!-- gpu-results:end -->"
WHEELS = ROOT / "build" / "gpu-wheels"


def ensure_pydantic() -> None:
    try:
        import pydantic  # noqa: F401
    except ImportError:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-index",
            "--find-links",
            str(WHEELS),
            "pydantic",
        ]
        subprocess.run(cmd, check=True)


def fill_docs(results: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    a, b = text.index(START) + len(START), text.index(END)
    DOCS.write_text(
        text[:a] + "\n" + results.read_text(encoding="utf-8").strip() + "\n" + text[b:],
        encoding="utf-8",
    )
    print(f"wrote the results into {DOCS}")


# ---- timing -----------------------------------------------------------------------------------
def latency_us(
    call: Callable[[], Any], sync: Callable[[], None], reps: int = 300, warm: int = 50
) -> float:
    for _ in range(warm):
        call()
        sync()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        call()
        sync()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e6


def event_ms(
    torch: Any, call: Callable[[], Any], reps: int = 20, warm: int = 5, runs: int = 5
) -> float:
    for _ in range(warm):
        call()
    torch.cuda.synchronize()
    out = []
    for _ in range(runs):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(reps):
            call()
        b.record()
        b.synchronize()
        out.append(a.elapsed_time(b) / reps)
    return statistics.median(out)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, default=Path(os.environ.get("OUT", ".")), help="results folder"
    )
    parser.add_argument(
        "--fill-docs", type=Path, help="paste a results file into docs/cuda.md and stop"
    )
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    args = parser.parse_args()
    if args.fill_docs:
        fill_docs(args.fill_docs)
        return 0
    ensure_pydantic()
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "cuda")]
    import torch

    if not torch.cuda.is_available():
        print("no CUDA device: the proof and the benchmark need a GPU", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    build = Path(os.environ.get("CNNCALC_CUDA_BUILD") or tempfile.mkdtemp(prefix="cnncalc-cuda-"))
    env = {
        **os.environ,
        "CNNCALC_CUDA_BUILD": str(build),
        "PYTHONPATH": os.pathsep.join(sys.path[:2]),
    }
    os.environ["CNNCALC_CUDA_BUILD"] = str(build)

    # ---- the proof (pytest), then its errors measured again here for the table ----------------
    proof = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(ROOT / "tests/cuda/test_gpu_equal.py"),
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    (args.out / "cuda_proof.txt").write_text(proof.stdout + proof.stderr)
    print(proof.stdout[-3000:])

    import cu_gpu as g

    g.no_tf32()
    names = (*g.PROOF,)
    built = g.build_all(names, build)
    built_layered = g.build_all(("lenet5",), build, "layered")["lenet5"]
    errors: dict[str, dict[int, float]] = {}
    for name, b in [*built.items(), ("lenet5-layered", built_layered)]:
        errors[name] = {}
        weights = g.weights_for(b, seed=1)
        ours, ref = b.lib.Model(weights), g.torch_model(b, weights)
        for batch in (1, 64):
            x = torch.randn(batch, *b.module.input_shape, device="cuda")
            with torch.no_grad():
                errors[name][batch] = g.relative_error(g.forward(b, ours, x), ref(x))
        ours.close()

    # ---- speed ----------------------------------------------------------------------------
    sync = torch.cuda.synchronize
    rows: list[dict[str, Any]] = []

    def ours_call(b: Any, model: Any, x: Any) -> Callable[[], None]:
        total = sum(size for _, _, size in b.lib.OUTPUTS)
        out = torch.empty(total * x.shape[0], device="cuda")
        stream = torch.cuda.current_stream().cuda_stream
        return lambda: model.launch(x, out, stream)

    def compiled(model: Any, mode: str | None) -> Any:
        return torch.compile(model, mode=mode) if mode else torch.compile(model)

    lenet, lenet_l = built["lenet5"], built_layered
    w = g.weights_for(lenet, seed=2)
    ref = g.torch_model(lenet, w)
    fused, layered = lenet.lib.Model(w), lenet_l.lib.Model(w)
    variants: dict[str, Any] = {"eager": ref}
    if not args.no_compile:
        variants["compile"] = compiled(ref, None)
        variants["compile (reduce-overhead)"] = compiled(ref, "reduce-overhead")

    def torch_call(m: Any, x: Any) -> Callable[[], Any]:
        def run() -> Any:
            with torch.no_grad():
                return m(x)

        return run

    notes: list[str] = []

    def safe(what: str, measure: Callable[[], float]) -> float:
        """A torch.compile variant fails at its first call, if at all: note it, go on."""
        try:
            return measure()
        except Exception as err:
            notes.append(f"{what}: {type(err).__name__}: {str(err).splitlines()[0][:200]}")
            return float("nan")

    x1 = torch.randn(1, *lenet.module.input_shape, device="cuda")
    lat = {"cnncalc (fused)": latency_us(ours_call(lenet, fused, x1), sync)}
    lat["cnncalc (layered)"] = latency_us(ours_call(lenet_l, layered, x1), sync)
    for k, m in variants.items():
        lat[f"torch {k}"] = safe(
            f"torch {k}, batch 1", lambda m=m: latency_us(torch_call(m, x1), sync)
        )
    rows.append(
        {"network": "LeNet-5", "batch": 1, "measure": "latency, µs (median)", "values": lat}
    )

    xb = torch.randn(8192, *lenet.module.input_shape, device="cuda")
    thr = {
        "cnncalc (fused)": 8192 / event_ms(torch, ours_call(lenet, fused, xb)) * 1e3,
        "cnncalc (layered)": 8192 / event_ms(torch, ours_call(lenet_l, layered, xb)) * 1e3,
    }
    for k, m in variants.items():
        thr[f"torch {k}"] = safe(
            f"torch {k}, batch 8192", lambda m=m: 8192 / event_ms(torch, torch_call(m, xb)) * 1e3
        )
    rows.append(
        {"network": "LeNet-5", "batch": 8192, "measure": "throughput, samples/s", "values": thr}
    )

    r18 = built["resnet18"]
    w18 = g.weights_for(r18, seed=3)
    ours18, ref18 = r18.lib.Model(w18), g.torch_model(r18, w18)
    x64 = torch.randn(64, *r18.module.input_shape, device="cuda")
    res = {"cnncalc (layered)": event_ms(torch, ours_call(r18, ours18, x64))}
    res["torch eager (cuDNN, TF32 off)"] = event_ms(torch, torch_call(ref18, x64))
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cuda.matmul.allow_tf32 = True
    res["torch eager (cuDNN, TF32 on; not fp32)"] = event_ms(torch, torch_call(ref18, x64))
    g.no_tf32()
    rows.append(
        {"network": "ResNet-18", "batch": 64, "measure": "time per batch, ms", "values": res}
    )

    # ---- the tables ------------------------------------------------------------------------
    props = torch.cuda.get_device_properties(0)
    nvcc = (
        subprocess.run(["nvcc", "--version"], capture_output=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    lines = [
        f"Measured on {props.name} ({props.multi_processor_count} SMs), "
        f"torch {torch.__version__}, {nvcc}; {time.strftime('%Y-%m-%d')}. "
        "Command: `python3 benchmarks/cuda_bench.py`.",
        "",
        "Proof (pytest tests/cuda/test_gpu_equal.py): "
        + ("passed." if proof.returncode == 0 else "FAILED (cuda_proof.txt)."),
        "",
        "| network | form | kernels | rel. error, batch 1 | rel. error, batch 64 |",
        "|---|---|---:|---:|---:|",
    ]
    for name, errs in errors.items():
        b = built_layered if name == "lenet5-layered" else built[name]
        m = b.module
        lines.append(
            f"| {b.report.network.name} | {m.mode} | {m.kernels} | {errs[1]:.1e} | {errs[64]:.1e} |"
        )
    lines += [
        "",
        "| network | batch | measure | variant | value | vs torch eager |",
        "|---|---:|---|---|---:|---:|",
    ]
    for row in rows:
        vals = row["values"]
        base = next(v for k, v in vals.items() if k.startswith("torch eager"))
        for k, v in vals.items():
            if "latency" in row["measure"] or "ms" in row["measure"]:
                ratio = base / v  # lower is better: how many times faster
                text = f"{v:,.1f}"
            else:
                ratio = v / base
                text = f"{v:,.0f}"
            head = f"| {row['network']} | {row['batch']} | {row['measure']}"
            lines.append(f"{head} | {k} | {text} | {ratio:.2f}× |")
    lines += ["", *(f"- {n}" for n in notes)] if notes else []
    table = "\n".join(lines) + "\n"
    (args.out / "cuda_results.md").write_text(table)
    (args.out / "cuda_results.json").write_text(
        json.dumps({"errors": errors, "speed": rows}, indent=1)
    )
    print(table)
    return 0 if proof.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
