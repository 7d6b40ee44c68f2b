"""Variants per second of `cnncalc sweep` (docs/sweep.md records a run).

    python benchmarks/sweep.py            # every case, 1,000,000 MobileNetV2 variants included
    python benchmarks/sweep.py --quick    # 100,000 of them

Each case runs in this process through the library call the command makes (cnncalc.sweep.run),
rows written to /dev/null as CSV, and is timed from the spec's first read to the last row:
the figure is what a user waits for, per worker. The ResNet-50 cases use
specs/resnet/resnet50_family.yaml (ResNet-50 at its defaults: 25.6 M parameters, 175 layers);
the MobileNetV2 space is benchmarks/mobilenet_v2_space.yaml.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from cnncalc.sweep import SweepFormat
from cnncalc.sweep.evaluate import Evaluator
from cnncalc.sweep.run import default_jobs, sweep
from cnncalc.sweep.space import make_space

ROOT = Path(__file__).resolve().parents[1]
RESNET = str(ROOT / "specs" / "resnet" / "resnet50_family.yaml")
MOBILENET = str(ROOT / "specs" / "mobilenet_v2.yaml")
SPACE = str(ROOT / "benchmarks" / "mobilenet_v2_space.yaml")


def case(
    title: str,
    spec: str,
    grids: list[str],
    space: str | None = None,
    sample: int | None = None,
    jobs: int = 1,
) -> str:
    t0 = time.perf_counter()
    ev = Evaluator(spec)
    sp = make_space(ev.defs, grids, space, sample, 1)
    with open(os.devnull, "w", encoding="utf-8") as out:
        r = sweep(spec, sp, out, SweepFormat.csv, jobs=jobs, evaluator=ev)
    seconds = time.perf_counter() - t0
    n = r.evaluated
    return (
        f"| {title} | {jobs} | {n:,} | {r.structures:,} | {seconds:.2f} s | "
        f"{n / seconds:,.0f} | {n / seconds / jobs:,.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100,000 MobileNetV2 variants")
    args = parser.parse_args()
    many = 100_000 if args.quick else 1_000_000
    cores = default_jobs()
    print(
        f"{platform.processor() or platform.machine()}, {cores} cores, "
        f"Python {platform.python_version()}\n"
    )
    print("| case | workers | variants | networks built | time | variants/s | per worker |")
    print("|---|---|---|---|---|---|---|")
    print(
        case("ResNet-50 family, one network, 2,017 input sizes", RESNET, ["resolution=32:2048:1"])
    )
    grid = ["width=0.5:1.5:0.125", "depth=0.5:1.5:0.25", "resolution=128:320:8"]
    print(case("ResNet-50 family, grid 9 widths × 5 depths × 25 sizes", RESNET, grid))
    (ROOT / "benchmarks" / ".resnet_space.yaml").write_text(
        "width: {min: 0.25, max: 2.0}\ndepth: {min: 0.5, max: 2.0}\n"
        "resolution: {min: 96, max: 320}\n"
    )
    try:
        print(
            case(
                "ResNet-50 family, continuous width and depth (nearly every variant a new network)",
                RESNET,
                [],
                str(ROOT / "benchmarks" / ".resnet_space.yaml"),
                500,
            )
        )
    finally:
        (ROOT / "benchmarks" / ".resnet_space.yaml").unlink()
    title = f"MobileNetV2 space, {many:,} samples"
    print(case(title, MOBILENET, [], SPACE, many))
    if cores > 1:
        print(case(title, MOBILENET, [], SPACE, many, jobs=cores))
    if hasattr(os, "getloadavg"):  # other jobs on the machine slow every case
        print("\nload average at the end: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
