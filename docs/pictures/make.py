"""Make the pictures in docs/ and the README from the specs, so that they stay current:

    python docs/pictures/make.py          # writes docs/pictures/*.svg (and *.png with cairosvg)

tests/draw/test_pictures.py checks that the SVGs here are what this script makes now."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

# file name -> (spec, draw's keywords); the `cnncalc draw` command each one is
PICTURES: dict[str, tuple[str, dict[str, object]]] = {
    "lenet5-stack": ("specs/lenet5.yaml", {"style": "stack"}),
    "resnet50-depth2": ("specs/resnet50.yaml", {"depth": 2}),
    "googlenet-depth2": ("specs/googlenet.yaml", {"depth": 2}),
    "alexnet-stack": ("specs/alexnet.yaml", {"style": "stack"}),
}


def make(name: str) -> str:
    from cnncalc.api import analyze, load
    from cnncalc.render.diagram import svg

    spec, kwargs = PICTURES[name]
    return svg(analyze(load(ROOT / spec)), **kwargs)  # type: ignore[arg-type]


def main() -> None:
    png = importlib.util.find_spec("cairosvg") is not None
    for name in PICTURES:
        doc = make(name)
        (HERE / f"{name}.svg").write_text(doc, encoding="utf-8")
        if png:
            from cnncalc.render.image import convert

            (HERE / f"{name}.png").write_bytes(convert(doc, "png", scale=1.5))
        print(f"docs/pictures/{name}.svg" + (" and .png" if png else ""))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
