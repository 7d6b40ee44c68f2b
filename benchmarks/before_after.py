"""The start-up path before and after issue 8, as whole processes, interleaved runs, medians.

    python benchmarks/before_after.py [--repeat 11]

"before" is reproduced in place: typer's app as the entry point (cnncalc.cli.app: every
command module imported, pydantic's plugin scan on), every layer module imported (as the
registry did before its index), rich drawing the table (render/boxtable.py switched off) and
the interpreter torn down at exit (no os._exit). "after" is the installed console script.
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
EXE = str(Path(sys.executable).with_name("cnncalc"))
BEFORE = (
    "import sys\n"
    "import cnncalc.render.boxtable as b\n"
    "b.plain_stdout = lambda: False\n"  # rich draws every table, as before
    "from cnncalc.layers import registry\n"
    "registry.types()\n"  # every layer module, as before
    "sys.argv = ['cnncalc', *sys.argv[1:]]\n"
    "from cnncalc.cli.app import main\n"
    "main()\n"
)
CASES = {
    "ResNet-50, json": ["params", "specs/resnet50.yaml", "--format", "json"],
    "ResNet-50, table": ["params", "specs/resnet50.yaml"],
    "ResNet-152, table": ["params", "specs/resnet152.yaml"],
}


def once(argv: list[str]) -> tuple[float, float]:
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, argv
    return time.perf_counter() - t, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=11)
    ns = ap.parse_args()
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(ns.repeat):
        for label, args in CASES.items():
            for when, argv in (
                ("before", [sys.executable, "-c", BEFORE, *args]),
                ("after", [EXE, *args]),
            ):
                runs.setdefault((label, when), []).append(once(argv))
    print(f"median of {ns.repeat} interleaved runs, seconds\n")
    print("| command | before: wall | CPU | after: wall | CPU | saved |")
    print("|---|---:|---:|---:|---:|---:|")
    for label in CASES:
        b = [statistics.median(x[i] for x in runs[label, "before"]) for i in (0, 1)]
        a = [statistics.median(x[i] for x in runs[label, "after"]) for i in (0, 1)]
        saved = 1 - a[0] / b[0]
        print(f"| {label} | {b[0]:.3f} | {b[1]:.3f} | {a[0]:.3f} | {a[1]:.3f} | {saved:.0%} |")


if __name__ == "__main__":
    main()
