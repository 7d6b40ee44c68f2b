"""The one sanitizer: any text becomes a legal, unique identifier that is not a keyword, not
a builtin (for locals and classes), and not an attribute torch's containers already have."""

from __future__ import annotations

import builtins
import keyword

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.codegen.names import MAX_LENGTH, MODULE_ATTRIBUTES, Namespace, identifier


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(max_size=60), max_size=30),
    style=st.sampled_from(["keep", "lower", "pascal"]),
)
def test_every_text_becomes_a_fresh_legal_identifier(texts: list[str], style: str) -> None:
    names = Namespace({"torch", "nn", "self"})
    made = [names.create(t, style) for t in texts]  # type: ignore[arg-type]
    assert len(set(made)) == len(made)
    for name in made:
        assert name.isidentifier() and name.isascii()
        assert not keyword.iskeyword(name) and not keyword.issoftkeyword(name)
        assert not hasattr(builtins, name)
        assert name not in {"torch", "nn", "self"}
        assert not name.startswith("_")  # no private names, no name mangling in class bodies
        assert len(name) <= MAX_LENGTH + 4  # a counter may follow a cut name


def test_attribute_namespaces_allow_builtins_but_not_keywords_or_torch_attributes() -> None:
    names = Namespace(MODULE_ATTRIBUTES, attributes=True)
    assert [names.create(t) for t in ("max", "input", "class", "train", "forward", "C1")] == [
        "max",
        "input",
        "class_2",
        "train_2",
        "forward_2",
        "C1",
    ]


@pytest.mark.parametrize(
    ("text", "style", "name"),
    [
        ("LeNet-5", "pascal", "LeNet5"),
        ("ResNet-18", "pascal", "ResNet18"),
        ("my small net", "pascal", "MySmallNet"),
        ("x); import os; (", "keep", "x_import_os"),
        ("Ünïcödé 名前", "keep", "Unicode"),
        ("layer1.0.relu_1", "lower", "layer1_0_relu_1"),
        ("1abc", "keep", "layer_1abc"),
        ("名前", "keep", "layer"),
    ],
)
def test_examples(text: str, style: str, name: str) -> None:
    assert identifier(text, style) == name  # type: ignore[arg-type]


def test_reserved_attributes_cover_torchs_containers() -> None:
    """A new torch that adds a method to nn.Module must extend MODULE_ATTRIBUTES."""
    nn = pytest.importorskip("torch.nn")
    public = set()
    for cls in (nn.Module, nn.ModuleDict, nn.ModuleList, nn.Sequential):
        public |= {n for n in dir(cls()) if not n.startswith("_")}
    assert public <= MODULE_ATTRIBUTES, sorted(public - MODULE_ATTRIBUTES)


def test_hyphenated_module_dict_keys_are_kept_as_torchs() -> None:
    """torchvision's RegNet names its blocks `block1-0`: the generated ModuleDict keeps that
    key, so the state_dict is torch's (it was `block1_0`); keys with any other character are
    still made identifiers."""
    pytest.importorskip("torch")  # compare runs the module
    from pathlib import Path

    from cnncalc.api import analyze, load, loads
    from cnncalc.codegen import generate
    from cnncalc.codegen.check import compare

    spec = Path(__file__).resolve().parents[2] / "specs" / "regnet" / "regnet_y_400mf.yaml"
    report = analyze(load(spec))
    generated = generate(report)
    assert generated.renamed == {}
    assert generated.modules["trunk_output.block1.block1-0.proj.0"] == (
        "trunk_output.block1.block1-0.proj.0"
    )
    assert compare(report, generated).ok
    odd = analyze(
        loads(
            "name: t\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n"
            "  - {name: b, layers: [{name: 'a-1', type: relu}, {name: 'a 2', type: relu}]}\n",
            "t.yaml",
        )
    )
    code = generate(odd).code
    assert '"a-1": nn.ReLU()' in code and '"a_2": nn.ReLU()' in code, code
