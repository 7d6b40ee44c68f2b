"""Where one `cnncalc params SPEC` goes, stage by stage, in the order the fast entry point
runs them: each run is a fresh interpreter timing its own stages; the medians are printed.

    python benchmarks/stages.py [--repeat 9] [SPEC]      # default specs/resnet50.yaml
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in the child. Each stage is timed on top of the ones before it, as in a real run.
CHILD = r"""
import io, json, os, sys, time
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # as cli/fast.py does
T = [time.perf_counter()]
def mark(): T.append(time.perf_counter())
import pydantic.main; mark()
import yaml; mark()
import cnncalc.cli.report, cnncalc.api
from cnncalc.render.values import PARAM_COLUMNS; mark()
from cnncalc.api import analyze, load
net = load(sys.argv[1]); mark()
rep = analyze(net); mark()
from cnncalc.render.json import render
render(rep, True, "float32", False); mark()
from cnncalc.render.boxtable import draw
draw(rep, PARAM_COLUMNS, totals=True); mark()
from rich.console import Console
from cnncalc.render.table import print_table; mark()
print_table(rep, PARAM_COLUMNS, Console(width=200, file=io.StringIO()), totals=True); mark()
print(json.dumps([b - a for a, b in zip(T, T[1:])]))
"""
STAGES = (
    "import pydantic (and pydantic_core, annotated_types, typing_extensions)",
    "import yaml (C loader)",
    "import cnncalc: spec, sym, analysis, render, layers/base",
    "load: parse YAML, expand blocks, import the layer kinds in use, build + run their validators",
    "analyze: shapes and counts",
    "render json (json format)",
    "draw the table without rich (render/boxtable.py; table format off a terminal)",
    "import rich (table format on a terminal, or where boxtable declines)",
    "rich's table layout and print (the same)",
)
# The whole command as a process, ended as the console script ends it (entry: os._exit once
# the output is flushed) and as a plain return from main() ends it (interpreter teardown).
WHOLE = (
    "import sys; sys.argv = ['cnncalc', 'params', *sys.argv[1:], '--format', 'json']; "
    "from cnncalc.cli.fast import {0}; {0}()"
)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("spec", nargs="?", default="specs/resnet50.yaml")
    ns = ap.parse_args()
    runs = []
    floor = []
    whole: dict[str, list[float]] = {"entry": [], "main": [], "pass": []}
    for _ in range(ns.repeat):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, ns.spec],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        runs.append(json.loads(out.stdout))
        t = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "pass"],
            capture_output=True,
            text=True,
            check=True,
        )
        floor.append(
            int(t.stderr.strip().splitlines()[-1].split("|")[1]) / 1e6
        )  # site's cumulative
        for key, argv in (
            ("entry", ["-c", WHOLE.format("entry"), ns.spec]),
            ("main", ["-c", WHOLE.format("main"), ns.spec]),
            ("pass", ["-c", "pass"]),
        ):
            start = time.perf_counter()
            subprocess.run([sys.executable, *argv], stdout=subprocess.DEVNULL, cwd=ROOT, check=True)
            whole[key].append(time.perf_counter() - start)
    print(f"`{ns.spec}`, median of {ns.repeat} fresh processes, ms\n")
    print("| stage | ms |\n|---|---:|")

    def ms(values: Iterable[float]) -> str:
        return f"{statistics.median(values) * 1000:.1f}"

    print(f"| interpreter start: site and .pth files (`-X importtime -c pass`) | {ms(floor)} |")
    for i, name in enumerate(STAGES):
        print(f"| {name} | {statistics.median(r[i] for r in runs) * 1000:.1f} |")
    paths = {
        "json": (sum(r[:6]) for r in runs),
        "table off a terminal": (sum(r[:5]) + r[6] for r in runs),
        "table through rich": (sum(r[:5]) + r[7] + r[8] for r in runs),
    }
    for name, totals in paths.items():
        print(f"| **{name}, after interpreter start** | **{ms(totals)}** |")
    teardown = (m - e for m, e in zip(whole["main"], whole["entry"], strict=True))
    print(
        "\nWhole processes, json (wall, from outside):\n\n| process | ms |\n|---|---:|\n"
        f"| `python -c pass` | {ms(whole['pass'])} |\n"
        f"| the console script: `entry()`, os._exit once the output is flushed | "
        f"{ms(whole['entry'])} |\n"
        f"| the same through `main()`, ending with interpreter teardown | {ms(whole['main'])} |\n"
        f"| teardown (median of the paired differences) | {ms(teardown)} |"
    )


if __name__ == "__main__":
    main()
