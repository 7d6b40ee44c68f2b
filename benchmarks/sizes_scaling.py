"""`cnncalc sizes` and `cnncalc params --rf` against the number of layers (issue 13).

    python benchmarks/sizes_scaling.py [--src PATH] [--layers 100,300,1000]

Times whole processes (CPU seconds of the child, from os.wait4) on generated chains: a 3x3
conv / batch norm / ReLU chain over 8x32x32 ending in a linear layer, with and without a stated
`in_features` (a layer fixed to one size: before this issue `sizes` then ran one analysis per
size of the range), and repeated (transposed conv, conv, conv) triples for `--rf`: plain ones,
and "gap" ones whose transposed conv strides 500 past a 1-tap kernel (499 of every 500 outputs
read nothing; a dilated conv's windows straddle the gaps, a strided conv closes the triple).
--src runs another checkout's sources (PYTHONPATH), e.g. the main branch, for "before".
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

EXE = str(Path(sys.executable).with_name("cnncalc"))
BODIES = {
    "chain": [
        "{type: conv2d, out_channels: 8, kernel_size: 3, padding: 1}",
        "{type: batchnorm2d}",
        "{type: relu}",
    ],
    "triples": [
        "{type: convtranspose2d, out_channels: 8, kernel_size: 2, stride: 2}",
        "{type: conv2d, out_channels: 8, kernel_size: 3, stride: 2, padding: 1}",
        "{type: conv2d, out_channels: 8, kernel_size: 3, padding: 1}",
    ],
    "gaps": [
        "{type: convtranspose2d, out_channels: 8, kernel_size: 1, stride: 500}",
        "{type: conv2d, out_channels: 8, kernel_size: 3, dilation: 250, padding: 250}",
        "{type: conv2d, out_channels: 8, kernel_size: 1, stride: 500}",
    ],
}


def write(path: Path, kind: str, layers: int, fixed: bool) -> Path:
    lines = [f"name: {kind}-{layers}", "input: {channels: 8, height: 32, width: 32}", "layers:"]
    body = BODIES[kind]
    lines += ["  - " + body[i % len(body)] for i in range(layers - 2)]
    features = ", in_features: 8192" if fixed else ""
    lines += ["  - {type: flatten}", f"  - {{type: linear{features}, out_features: 10}}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def cpu(argv: list[str], env: dict[str, str]) -> float:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, argv
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--src", help="a checkout's src/ to run instead of the installed one")
    ap.add_argument("--layers", default="100,300,1000")
    ns = ap.parse_args()
    env = dict(os.environ)
    if ns.src:
        env["PYTHONPATH"] = ns.src
    tmp = Path(tempfile.mkdtemp())
    print("| layers | sizes, any size | sizes, in_features stated | --rf, triples | --rf, gaps |")
    print("|---:|---:|---:|---:|---:|")
    for n in map(int, ns.layers.split(",")):
        free = write(tmp / f"free{n}.yaml", "chain", n, False)
        fixed = write(tmp / f"fixed{n}.yaml", "chain", n, True)
        triples = write(tmp / f"rf{n}.yaml", "triples", n, False)
        a = cpu([EXE, "sizes", str(free)], env)
        b = cpu([EXE, "sizes", str(fixed)], env)
        gaps = write(tmp / f"gaps{n}.yaml", "gaps", n, False)
        c = cpu([EXE, "params", str(triples), "--rf", "-f", "csv"], env)
        d = cpu([EXE, "params", str(gaps), "--rf", "-f", "csv"], env)
        print(f"| {n:,} | {a:.2f} | {b:.2f} | {c:.2f} | {d:.2f} |", flush=True)


if __name__ == "__main__":
    main()
