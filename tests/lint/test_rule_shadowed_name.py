"""W207 shadowed-name, with torch.nn.Module as the authority on which names collide."""

from __future__ import annotations

import pytest
from lintkit import check_pair

from cnncalc.lint.rules.shadowed_name import MODULE_ATTRS


def test_fixtures() -> None:
    found = check_pair("shadowed-name")
    assert [f.layer for f in found] == ["c1", "training"]


def test_every_listed_name_collides_in_torch() -> None:
    torch = pytest.importorskip("torch")
    for name in sorted(MODULE_ATTRS):
        m = torch.nn.Module()
        try:
            m.add_module(name, torch.nn.Identity())
        except KeyError:
            continue  # refused
        assert getattr(m, name) is not m._modules[name], name  # or hidden by the attribute
    m = torch.nn.Module()
    m.add_module("train_head", torch.nn.Identity())  # an ordinary name works
    public = {n for n in dir(torch.nn.Module) if not n.startswith("_")}
    assert public <= MODULE_ATTRS, sorted(public - MODULE_ATTRS)
