"""dropout (and its 1d/2d/3d and alpha forms): identity in shape, no parameters."""

from __future__ import annotations

from cnncalc.layers.base import Layer
from cnncalc.layers.fields import Prob


class Dropout(Layer):
    TYPES = ("dropout", "dropout1d", "dropout2d", "dropout3d", "alphadropout")

    p: Prob = 0.5
    inplace: bool = False

