"""registry.MODULES repeats what each layer module declares in TYPES, so that a spec imports
only the kinds it uses (tests/perf/test_imports.py checks that it does); these tests fail when
the two drift apart."""

from __future__ import annotations

from pathlib import Path

from cnncalc.layers import registry

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_is_listed_and_every_listed_type_is_where_the_index_says() -> None:
    on_disk = {
        p.stem
        for p in (ROOT / "src" / "cnncalc" / "layers").glob("*.py")
        if "TYPES = " in p.read_text() and p.stem != "base"
    }
    declared = {(cls.__module__.rsplit(".", 1)[1], t) for cls, t in registry.types().values()}
    indexed = {(mod, t) for mod, names in registry.MODULES.items() for t in names}
    assert on_disk <= set(registry.MODULES), on_disk - set(registry.MODULES)
    assert declared == indexed, (sorted(declared - indexed), sorted(indexed - declared))


def test_lookup_agrees_with_the_full_table_for_every_spelling() -> None:
    for key, (cls, canonical) in registry.types().items():
        for spelling in (canonical, canonical.upper(), key):
            assert registry.lookup(spelling) == (cls, canonical)
    assert registry.lookup("conv2dd") is None
    assert registry.canonical_names() == sorted({t for _, t in registry.types().values()})
