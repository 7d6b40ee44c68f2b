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
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in the child. Each stage is timed on top of the ones before it, as in a real run.
CHILD = r"""
import io, json, os, sys, time
T = [time.perf_counter()]
def mark(): T.append(time.perf_counter())
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # as cli/fast.py does
import pydantic.main; mark()
import yaml; mark()
import cnncalc.cli.report, cnncalc.api
from cnncalc.render.values import PARAM_COLUMNS; mark()
from cnncalc.layers import registry; registry.types(); mark()
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
    "import pydantic (and pydantic_core, typing_extensions → asyncio)",
    "import yaml (C loader)",
    "import cnncalc: spec, sym, analysis, render, layers/base",
    "import every layer module (registry.types())",
    "load: parse YAML, expand blocks, build + run the validators in use",
    "analyze: shapes and counts",
    "render json (json format)",
    "draw the table without rich (render/boxtable.py; table format off a terminal)",
    "import rich (table format on a terminal, or where boxtable declines)",
    "rich's table layout and print (the same)",
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
    print(f"`{ns.spec}`, median of {ns.repeat} fresh processes, ms\n")
    print("| stage | ms |\n|---|---:|")

    def ms(values: Iterable[float]) -> str:
        return f"{statistics.median(values) * 1000:.1f}"

    print(f"| interpreter start: site and .pth files (`-X importtime -c pass`) | {ms(floor)} |")
    for i, name in enumerate(STAGES):
        print(f"| {name} | {statistics.median(r[i] for r in runs) * 1000:.1f} |")
    paths = {
        "json": (sum(r[:7]) for r in runs),
        "table off a terminal": (sum(r[:6]) + r[7] for r in runs),
        "table through rich": (sum(r[:6]) + r[8] + r[9] for r in runs),
    }
    for name, totals in paths.items():
        print(f"| **{name}, after interpreter start** | **{ms(totals)}** |")


if __name__ == "__main__":
    main()
