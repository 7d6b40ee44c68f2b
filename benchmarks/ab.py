"""One command line under two (or more) versions of cnncalc: whole processes, round-robin.

    python benchmarks/ab.py --side old=/tmp/old/src --side new=src -- params specs/lenet5.yaml
    python benchmarks/ab.py --side fast=src:cnncalc.cli.fast:main \
        --side typer=src:cnncalc.cli.app:main -- params specs/resnet50.yaml

Each side is LABEL=SRC[:MODULE:FUNCTION]: the interpreter runs FUNCTION of MODULE (default
cnncalc.cli.fast:entry, the console script) with SRC first on PYTHONPATH (then benchmarks/,
for entry points kept there: rich_tables.py), in the repository root. Runs go round-robin over
the sides (one untimed warm-up each, which also writes their bytecode, as an install has it)
so that a burst of load elsewhere falls on all of them alike; wall time is taken around the
child, CPU time (user + system) from os.wait4() of that child alone. The medians are printed
with the load average before and after, since other work on the machine inflates wall times
(run it in a session of its own at a raised priority, as run.py --nice does, to keep other
sessions' work out of the figures).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
ENTRY = "cnncalc.cli.fast:entry"


def child(label_src: str) -> tuple[str, list[str], dict[str, str]]:
    label, _, where = label_src.partition("=")
    src, _, entry = where.partition(":")
    module, function = (entry or ENTRY).split(":")
    code = f"import sys; sys.argv[0] = 'cnncalc'; from {module} import {function}; {function}()"
    # SRC first; then this folder, for entry points written here (rich_tables.py)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(src).resolve()), str(BENCH)])}
    # the warm-up writes the bytecode an installed package has: without it every run compiles
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return label, [sys.executable, "-c", code], env


def once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, cwd=ROOT, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--side", action="append", required=True, help="LABEL=SRC[:MODULE:FUNC]")
    ap.add_argument("--repeat", type=int, default=11)
    ap.add_argument("args", nargs="+", help="the command line (after --)")
    ns = ap.parse_args()
    sides = [child(s) for s in ns.side]
    load = os.getloadavg()[0]
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in sides}
    for _, argv, env in sides:  # warm-up: the page cache, .pyc files
        once([*argv, *ns.args], env)
    for _ in range(ns.repeat):
        for label, argv, env in sides:
            runs[label].append(once([*argv, *ns.args], env))
    print(f"cnncalc {' '.join(ns.args)}: median of {ns.repeat} round-robin runs, seconds")
    print(f"load average (1 min): {load:.2f} before, {os.getloadavg()[0]:.2f} after")
    first = statistics.median(w for w, _ in runs[sides[0][0]])
    for label, _, _ in sides:
        wall = statistics.median(w for w, _ in runs[label])
        cpu = statistics.median(c for _, c in runs[label])
        print(f"  {label:>12}: wall {wall:.3f}  CPU {cpu:.3f}  ({wall / first - 1:+.1%} wall)")


if __name__ == "__main__":
    main()
