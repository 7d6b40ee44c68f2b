"""The table of docs/torchvision.md: each model of tests/data/torchvision_full.json, its spec,
and whether every figure matches (reference.check_full). Run from the repository root:
`python tests/zoo/table.py > /tmp/table.md`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zoo.reference import SPECS, calls, check_full, lit
from zoo.test_torchvision_full import FULL, models


def row(key: str, ref: dict[str, object]) -> str:
    n_calls = len(calls(lit(ref["layers"])))
    figures = f"{int(str(ref['params_total'])):,} | {int(str(ref['macs'])):,} | {n_calls:,}"
    if key not in FULL:
        return f"| `{key}` | — | {figures} | no spec yet |"
    spec, extras = FULL[key]
    try:
        check_full(SPECS / spec, ref, extras)
        status = "all match"
    except AssertionError as err:
        status = f"differs: {str(err).splitlines()[0][:80]}"
    return f"| `{key}` | `specs/{spec}` | {figures} | {status} |"


def main() -> None:
    print("| model | spec | params | MACs | leaf calls | figures |")
    print("|---|---|---:|---:|---:|---|")
    for key, ref in sorted(models().items()):
        print(row(key, ref))


if __name__ == "__main__":
    main()
