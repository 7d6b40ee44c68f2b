"""Unresolved `from:` references: the time to report them grows with their number only.

    python benchmarks/bad_refs.py [--layers 10000] [--blocks]

Writes a spec of N good layers followed by N layers that each read a misspelt name
(`from: conv_k_typo`), loads it in this process and reports the seconds until the N located
errors are ready, and how many carry a "did you mean" hint. With --blocks each bad entry
has an `if: true`, so that spec/blocks.py resolves it rather than spec/load.py. Before the
fix every reference scanned every name for a suggestion: 10,000 of them took ~15 min.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from cnncalc.api import SpecError, load


def spec(n: int, blocks: bool) -> str:
    lines = ["name: bad-refs", "input: {channels: 4, height: 8, width: 8}", "layers:"]
    lines += [f"  - {{name: conv_{k}, type: relu}}" for k in range(n)]
    extra = ", if: true" if blocks else ""
    lines += [f"  - {{type: relu, from: conv_{k}_typo{extra}}}" for k in range(n)]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--layers", type=int, default=10_000)
    ap.add_argument("--blocks", action="store_true")
    ns = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bad_refs.yaml"
        path.write_text(spec(ns.layers, ns.blocks))
        start = time.perf_counter()
        try:
            load(path)
        except SpecError as err:
            problems = err.problems
        else:
            raise SystemExit("the spec loaded: expected unresolved references")
        took = time.perf_counter() - start
    hinted = sum("did you mean" in p.hint for p in problems)
    where = "(through blocks)" if ns.blocks else "(the loader)"
    print(
        f"{ns.layers:,} good layers, {ns.layers:,} bad references {where}: "
        f"{len(problems):,} errors ({hinted:,} with a suggestion) in {took:.2f} s"
    )


if __name__ == "__main__":
    main()
