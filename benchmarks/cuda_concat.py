"""CUDA code generation against the number of concatenated inputs (issue 13: it grew faster
than linearly). Two shapes of network, each at 100, 200, 400 and 800:

- wide: N small convolutions over the input, then one concat of all N (one step with N inputs);
- chain: N concats, each joining the previous one and a fresh convolution (N steps, DenseNet's
  pattern, each concat wider than the last);
- dense: the chain with `activation: relu` on each convolution (N pointwise steps to fuse).

    python benchmarks/cuda_concat.py [--sizes 100,200,400,800] [--mode layered]

Prints CPU seconds per `cnncalc.codegen.cuda.generate` (in process, after loading and
analysing; the best of --repeat runs; CPU time, as the machine is shared) and the ratio to
the size before: ~2 is linear, ~4 quadratic.
"""

from __future__ import annotations

import argparse
import time

import yaml

from cnncalc.api import analyze, loads
from cnncalc.codegen.cuda import generate


def wide(n: int) -> str:
    layers: list[dict[str, object]] = [
        {"name": f"c{k}", "type": "conv2d", "out_channels": 1, "kernel_size": 1, "from": "input"}
        for k in range(n)
    ]
    layers.append({"name": "cat", "type": "concat", "from": [f"c{k}" for k in range(n)]})
    return _spec(f"wide{n}", layers)


def chain(n: int, activation: bool = False) -> str:
    layers: list[dict[str, object]] = [
        {"name": "c0", "type": "conv2d", "out_channels": 1, "kernel_size": 1, "from": "input"}
    ]
    last = "c0"
    if activation:
        layers[0]["activation"] = "relu"
    for k in range(1, n + 1):
        conv: dict[str, object] = {"name": f"c{k}", "type": "conv2d", "out_channels": 1}
        layers.append({**conv, "kernel_size": 1, "from": "input"})
        if activation:
            layers[-1]["activation"] = "relu"
        layers.append({"name": f"cat{k}", "type": "concat", "from": [last, f"c{k}"]})
        last = f"cat{k}"
    return _spec(f"chain{n}", layers)


def _spec(name: str, layers: list[dict[str, object]]) -> str:
    spec = {"name": name, "input": {"channels": 1, "height": 4, "width": 4}, "layers": layers}
    return yaml.safe_dump(spec, sort_keys=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="100,200,400,800")
    ap.add_argument("--mode", default="layered", choices=["auto", "fused", "layered"])
    ap.add_argument("--repeat", type=int, default=3)
    ns = ap.parse_args()
    sizes = [int(s) for s in ns.sizes.split(",")]
    print(f"{'network':>8} {'N':>5} {'seconds':>8} {'ratio':>6}")
    kinds = {"wide": wide, "chain": chain, "dense": lambda n: chain(n, activation=True)}
    for kind, make in kinds.items():
        before = None
        for n in sizes:
            report = analyze(loads(make(n), f"{kind}{n}.yaml"))
            best = float("inf")
            for _ in range(ns.repeat):
                t = time.process_time()
                generate(report, ns.mode)  # type: ignore[arg-type]
                best = min(best, time.process_time() - t)
            ratio = f"{best / before:6.2f}" if before else ""
            print(f"{kind:>8} {n:>5} {best:8.3f} {ratio}", flush=True)
            before = best


if __name__ == "__main__":
    main()
