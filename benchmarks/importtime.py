"""Where a command's start-up time goes: run it under `python -X importtime` several times and
print, per top-level package, the median of the summed self time (ms), largest first.

    python benchmarks/importtime.py [--repeat 7] [--top 15] [--entry cnncalc.cli.app] \
        -- params specs/resnet50.yaml --format json

--entry picks the main() to run: cnncalc.cli.fast (the console script) or cnncalc.cli.app
(typer for every command, as before the fast path).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections import defaultdict

RUN_CLI = "import sys; from {entry} import main; sys.argv = ['cnncalc', *sys.argv[1:]]; main()"


def parse(stderr: str) -> dict[str, int]:
    """import-time lines -> top-level package -> summed self time in µs."""
    per: dict[str, int] = defaultdict(int)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        name = name.strip()
        top = name.split(".")[0]
        key = ".".join(name.split(".")[:2]) if top == "cnncalc" else top
        per[key] += int(self_us)
    return per


def measure(args: list[str], repeat: int, entry: str) -> tuple[dict[str, float], float]:
    runs: list[dict[str, int]] = []
    for _ in range(repeat):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", RUN_CLI.format(entry=entry), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        runs.append(parse(proc.stderr))
    keys = set().union(*runs)
    med = {k: statistics.median(r.get(k, 0) for r in runs) / 1000 for k in keys}
    total = statistics.median(sum(r.values()) for r in runs) / 1000
    return med, total


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--entry", default="cnncalc.cli.fast")
    ap.add_argument("cli", nargs="*", default=["params", "specs/resnet50.yaml", "--format", "json"])
    ns = ap.parse_args()
    med, total = measure(ns.cli, ns.repeat, ns.entry)
    print(
        f"import time of `cnncalc {' '.join(ns.cli)}` via {ns.entry} (median of {ns.repeat}), ms\n"
    )
    print("| package | self ms |\n|---|---:|")
    for k, v in sorted(med.items(), key=lambda kv: -kv[1])[: ns.top]:
        print(f"| {k} | {v:.1f} |")
    print(f"| **all imports** | **{total:.1f}** |")


if __name__ == "__main__":
    main()
