"""A layer kind declares its types' spatial dimensions (DIMS, one per type in TYPES); nothing
parses them from the type name. The declaration agrees with torch's naming of the same
modules (nn.Conv2d, nn.BatchNorm3d, nn.UpsamplingBilinear2d: the digit before the final 'd'),
and types without such a suffix (upsample, dropout, linear) have none."""

from __future__ import annotations

import re

from cnncalc.layers import registry


def test_dims_are_declared_per_type_and_agree_with_torchs_names() -> None:
    checked = 0
    for cls, canonical in registry.types().values():
        assert len(cls.DIMS) in (0, len(cls.TYPES)), f"{cls.__name__}: one DIMS entry per type"
        suffix = re.search(r"([123])d$", canonical)
        want = int(suffix.group(1)) if suffix else 0
        assert cls.model_construct(type=canonical).dims == want, canonical
        checked += want > 0
    assert checked >= 30  # conv, pool, norm, pad, adaptive, subsample, dropout, upsampling kinds
