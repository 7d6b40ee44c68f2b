"""Hunt for slow `--rf` layers: random (transposed conv, conv, conv) triples, timed in-process.

    python benchmarks/rf_search.py [--seconds 60] [--seed 0] [--over 0.5] [--cap 5]

Each sample is one triple of 1-d, 2-d or 3-d layers with log-uniform kernels (1..4096),
strides (1..4096), dilations (1..1000), paddings and output paddings, over an input of
1..100,000 positions (or a symbol), repeated 1..3 times; specs the shape rules refuse are
drawn again. It times `receptive_fields(analyze(spec))` per triple and prints every sample
slower than --over seconds (the spec's layers, to paste into a file), then the slowest seen.
A sample over --cap seconds is stopped (SIGALRM) and counted as --cap.
"""

from __future__ import annotations

import argparse
import math
import random
import signal
import time
from types import FrameType

from cnncalc.analysis.engine import analyze
from cnncalc.analysis.receptive import receptive_fields
from cnncalc.api import loads
from cnncalc.errors import CnncalcError


class Overtime(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Overtime


def logint(rng: random.Random, top: int) -> int:
    """1..top, log-uniform (small values as often as large ones)."""
    return min(top, int(math.exp(rng.uniform(0, math.log(top + 1)))))


def triple(rng: random.Random, dims: int) -> list[str]:
    k, s, d = logint(rng, 4096), logint(rng, 4096), logint(rng, 1000)
    p = rng.randrange(0, d * (k - 1) + 1)
    op = rng.randrange(0, max(s, d))
    tconv = (
        f"{{type: convtranspose{dims}d, out_channels: 1, kernel_size: {k}, stride: {s}, "
        f"padding: {p}, output_padding: {op}, dilation: {d}}}"
    )
    convs = []
    for _ in range(2):
        k, s, d = logint(rng, 512), logint(rng, 4096), logint(rng, 1000)
        p = rng.choice([0, rng.randrange(0, d * (k - 1) + 1)])
        convs.append(
            f"{{type: conv{dims}d, out_channels: 1, kernel_size: {k}, stride: {s}, "
            f"padding: {p}, dilation: {d}}}"
        )
    return [tconv, *convs]


def sample(rng: random.Random) -> tuple[str, int]:
    dims = rng.choice([1, 1, 2, 3])
    axes = {1: ["length"], 2: ["height", "width"], 3: ["depth", "height", "width"]}[dims]
    sizes = [("S" if rng.random() < 0.15 else str(logint(rng, 100_000))) for _ in axes]
    if dims == 3:  # keep 3-d inputs small: shapes are cheap, but keep the spec plausible
        sizes = [s if s == "S" else str(min(int(s), 4096)) for s in sizes]
    reps = rng.randint(1, 3)
    layers = [line for _ in range(reps) for line in triple(rng, dims)]
    inp = ", ".join(f"{a}: {n}" for a, n in zip(axes, sizes, strict=True))
    text = f"name: x\ninput: {{channels: 1, {inp}}}\nlayers:\n"
    return text + "".join(f"  - {line}\n" for line in layers), reps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--over", type=float, default=0.5, help="print samples slower than this")
    ap.add_argument("--cap", type=int, default=5, help="stop a sample after this many seconds")
    ns = ap.parse_args()
    rng = random.Random(ns.seed)
    signal.signal(signal.SIGALRM, _alarm)
    end = time.monotonic() + ns.seconds
    tried = timed = 0
    worst = (0.0, "")
    while time.monotonic() < end:
        text, reps = sample(rng)
        tried += 1
        try:
            report = analyze(loads(text))
        except CnncalcError:
            continue
        timed += 1
        signal.alarm(ns.cap)
        t = time.perf_counter()
        try:
            receptive_fields(report)
            dt = (time.perf_counter() - t) / reps
        except Overtime:
            dt = ns.cap / reps
        finally:
            signal.alarm(0)
        if dt > worst[0]:
            worst = (dt, text)
        if dt >= ns.over:
            print(f"--- {dt:.2f} s per triple\n{text}", flush=True)
    print(f"{tried} drawn, {timed} accepted and timed; slowest {worst[0]:.3f} s per triple:")
    print(worst[1])


if __name__ == "__main__":
    main()
