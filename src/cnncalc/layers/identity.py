"""identity: passes its input through unchanged."""

from __future__ import annotations

from cnncalc.layers.base import Layer


class Identity(Layer):
    TYPES = ("identity",)
