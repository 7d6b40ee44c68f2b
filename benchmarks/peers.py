"""The peers benchmarks/run.py times, one whole process per call, as a user would run them.

    python benchmarks/peers.py torchinfo resnet50 224      # torchinfo.summary, input 1×3×224×224
    python benchmarks/peers.py onnx-export resnet50 FILE   # setup, not timed: torch.onnx.export
    python benchmarks/peers.py onnx FILE                   # onnx.load, then infer_shapes

Each prints what it computed (torchinfo's table; the number of shapes ONNX inferred and the
in-process seconds of infer_shapes alone, as `infer_shapes_s=...`), so run.py can check the
peers saw the same network."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def torchinfo_summary(net: str, size: int) -> None:
    from torch_resnet import resnet
    from torchinfo import summary

    stats = summary(resnet(net), input_size=(1, 3, size, size), device="cpu", verbose=0)
    print(stats)


def onnx_export(net: str, file: str) -> None:
    """The plain-torch network as ONNX, weights included; value_info stripped so that the
    timed run infers every intermediate shape itself."""
    import warnings

    import onnx
    import torch
    from torch_resnet import resnet

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        # dynamo=False: the TorchScript exporter needs no onnxscript and works offline
        torch.onnx.export(resnet(net), (torch.zeros(1, 3, 224, 224),), file, dynamo=False)
    model = onnx.load(file)
    del model.graph.value_info[:]
    onnx.save(model, file)


def onnx_infer(file: str) -> None:
    import onnx

    model = onnx.load(file)
    t = time.perf_counter()
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    dt = time.perf_counter() - t
    shapes, nodes = len(inferred.graph.value_info), len(model.graph.node)
    print(f"value_info={shapes} nodes={nodes} infer_shapes_s={dt:.6f}")


def main() -> None:
    what, *args = sys.argv[1:]
    if what == "torchinfo":
        torchinfo_summary(args[0], int(args[1]))
    elif what == "onnx-export":
        onnx_export(args[0], args[1])
    elif what == "onnx":
        onnx_infer(args[0])
    else:
        raise SystemExit(f"unknown peer {what!r}")


if __name__ == "__main__":
    main()
