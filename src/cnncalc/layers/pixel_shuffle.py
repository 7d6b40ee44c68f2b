"""pixelshuffle, pixelunshuffle (torch.nn.PixelShuffle, PixelUnshuffle; Shi et al. 2016's
sub-pixel convolution): C·r²×H×W ↔ C×H·r×W·r, moving each r×r block of positions to r² channels
and back. An index remap: no parameters, no MACs, as for channelshuffle."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from cnncalc.errors import LayerError
from cnncalc.layers.base import Layer, Reads, Saved, Shape, fmt, pyargs, shape_str
from cnncalc.layers.fields import Size
from cnncalc.sym import Dim


def _divides(n: Dim, r: int, what: str, field: str) -> None:
    """torch refuses a size r does not divide; a symbolic one must be a multiple for every
    input (2·H after an upsample is; H alone is not, so it is refused: it depends on H)."""
    rest = n % r
    if rest == 0:
        return
    where = "for every input" if not isinstance(n, int) else ""
    raise LayerError(
        f"{what} {fmt(n)} is not divisible by {r} {where}".rstrip(),
        f"{field} must divide the {what}" + (" (give the input a number there)" if where else ""),
        field=field,
        code="E102",
    )


class Shuffle(Layer):
    """A rearrangement of the input's elements: backward rearranges the gradient back."""

    VIEWS = "keep"

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()


class PixelShuffle(Shuffle):
    TYPES = ("pixelshuffle",)
    upscale_factor: Size

    def shape(self, x: Shape) -> Shape:
        self.expect_rank(x, 3, "C×H×W")
        r = self.upscale_factor
        _divides(x[0], r * r, "channel count", "upscale_factor")
        return (x[0] // (r * r), x[1] * r, x[2] * r)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        r = self.upscale_factor
        return [f"{shape_str(inputs[0])} → C/{r}² × H·{r} × W·{r} = {shape_str(y)}"]

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        """Output position o comes from input position ⌊o/r⌋ (in one of r² channels)."""
        r = self.upscale_factor
        return Reads(Fraction(1, r), lambda o: (o // r, o // r))

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        return f"nn.PixelShuffle({pyargs(self.upscale_factor)})"


class PixelUnshuffle(Shuffle):
    TYPES = ("pixelunshuffle",)
    downscale_factor: Size

    def shape(self, x: Shape) -> Shape:
        self.expect_rank(x, 3, "C×H×W")
        r = self.downscale_factor
        _divides(x[1], r, "height", "downscale_factor")
        _divides(x[2], r, "width", "downscale_factor")
        return (x[0] * r * r, x[1] // r, x[2] // r)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        r = self.downscale_factor
        return [f"{shape_str(inputs[0])} → C·{r}² × H/{r} × W/{r} = {shape_str(y)}"]

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        """Output position o gathers input positions o·r … o·r + r - 1 (into r² channels)."""
        r = self.downscale_factor
        return Reads(Fraction(r), lambda o: (o * r, o * r + r - 1))

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        return f"nn.PixelUnshuffle({pyargs(self.downscale_factor)})"
