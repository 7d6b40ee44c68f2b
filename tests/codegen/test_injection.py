"""Nothing from a spec reaches generated code unchecked. Hostile layer, block and network
names (quotes, code, keywords, unicode, names of torch's own attributes and of the
generated code's own names) give valid, ruff-clean code that torch proves; the parsed code
calls nothing but torch's constructors, the file's helpers and its own modules, names
nothing else, and holds no string from the spec. Values that cannot be written as plain
numbers are refused with a located message."""

from __future__ import annotations

import ast
import re

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cnncalc.api import analyze, loads
from cnncalc.codegen import generate
from cnncalc.codegen.pytorch import TORCH_FUNCTIONS, helper_sources
from cnncalc.errors import SpecError
from tests.codegen.hostile import LAYERS, hostile, layer_name, network, py_tokens
from tests.codegen.kit import RUFF, ruff_problems

HOSTILE = [
    "x); import os; (",
    "self",
    "forward",
    "torch",
    "nn",
    "F",
    "x",
    "_",
    "__import__",
    "class",
    "Ünïcödé 名前",
    "train",
    "keys",
    "'''\"\"\"",
    "1abc",
    "_private",
    "__dunder",
    "super",
    "eval(",
    "\\n\\u0000",
    "print('pwned')",
    "LeNet5",
    "ScaledTanh",
    "a" * 80,
]
NETWORK_NAME = 'x"""); import os; os.system(\'echo pwned\') #'


def hostile_spec() -> str:
    layers: list[dict[str, object]] = [
        {"name": HOSTILE[0], "type": "conv2d", "out_channels": 2, "kernel_size": 3, "padding": 1}
    ]
    for name in HOSTILE[1:]:
        layers.append({"name": name, "type": "relu" if len(layers) % 2 else "identity"})
    # merges read hostile-named values: they become local variables in forward
    layers.append({"name": "m1", "type": "add", "from": [HOSTILE[0], "self", "forward", "x"]})
    layers.append(
        {"name": "m2", "type": "concat", "from": ["m1", "torch", "_"], "activation": "relu"}
    )
    layers.append({"name": "s", "type": "chunk", "chunks": 2, "from": "m2"})
    layers.append({"name": "print(1)", "type": "mul", "from": ["s.0", "s.1"]})
    layers.append({"name": "eval", "type": "blk", "from": HOSTILE[0]})
    layers.append(
        {"name": "__class__", "layers": [{"type": "relu"}, {"name": "exec", "type": "identity"}]}
    )
    spec = {
        "name": NETWORK_NAME,
        "input": {"channels": 2, "height": 6, "width": 6},
        "blocks": {
            "blk": {
                "layers": [
                    {"name": "import", "type": "conv2d", "out_channels": 2, "kernel_size": 1},
                    {"name": "values", "type": "relu"},
                    {"name": "0", "type": "identity"},
                    {"name": "x y", "type": "add", "from": ["values", "input"]},
                ]
            }
        },
        "layers": layers,
        "outputs": ["print(1)", "__class__"],
    }
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)


@pytest.fixture(scope="module")
def generated() -> tuple[str, str, dict[str, str]]:
    report = analyze(loads(hostile_spec(), "hostile.yaml"))
    gen = generate(report)
    return gen.code, gen.class_name, gen.modules


def test_hostile_names_give_code_torch_proves(generated: tuple[str, str, dict[str, str]]) -> None:
    pytest.importorskip("torch")
    from cnncalc.codegen.check import compare

    report = analyze(loads(hostile_spec(), "hostile.yaml"))
    result = compare(report, generate(report))
    assert result.ok, result.mismatches
    code, _, modules = generated
    assert set(modules) >= {HOSTILE[0], "self", "forward", "eval.import", "__class__.exec"}
    if RUFF is not None:
        assert not ruff_problems(code), code


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Subscript):
        return f"{_dotted(node.value)}[]"
    if isinstance(node, ast.Call):
        return f"{_dotted(node.func)}()"
    return "?"


def test_generated_class_calls_and_names_only_what_it_should(
    generated: tuple[str, str, dict[str, str]],
) -> None:
    code, class_name, _ = generated
    tree = ast.parse(code)
    imports = [ast.unparse(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert set(imports) <= {
        "import torch",
        "import torch.nn.functional as F",
        "from torch import nn",
    }
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name]
    helpers = set(helper_sources())
    assert {n.name for n in tree.body if isinstance(n, ast.ClassDef)} <= helpers | {class_name}
    forward = next(f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "forward")
    local = {
        t.id
        for n in ast.walk(forward)
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    for node in ast.walk(cls):
        if isinstance(node, ast.Call):
            f = _dotted(node.func)
            ok = (
                re.fullmatch(r"nn\.[A-Z]\w*", f)
                or f in helpers
                or f in ("super", "super().__init__")
                or f.startswith("self.")
                or f.removeprefix("torch.") in TORCH_FUNCTIONS
                or (re.fullmatch(r"\w+\.reshape", f) and f.split(".")[0] in local)
            )
            assert ok, f"unexpected call {f}"
        if isinstance(node, ast.Name):
            allowed = {"self", "x", "torch", "nn", "super", "_", "tuple", *local, *helpers}
            assert node.id in allowed, f"unexpected name {node.id}"
            assert node.id.isascii() and node.id.isidentifier()
        if isinstance(node, ast.Attribute):
            assert node.attr.isascii() and node.attr.isidentifier()


def test_no_spec_text_in_string_literals(generated: tuple[str, str, dict[str, str]]) -> None:
    code, _, _ = generated
    tree = ast.parse(code)
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef))
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    spec_texts = [
        *HOSTILE,
        NETWORK_NAME,
        "import",
        "values",
        "x y",
        "print(1)",
        "exec",
        "__class__",
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings:
                for text in spec_texts:
                    if not re.fullmatch(
                        r"[A-Za-z]\w*", text
                    ):  # words like 'torch' may appear in prose
                        assert text not in node.value
                continue
            # the only other strings are ModuleDict keys (identifiers or digits) and literals
            # such as padding="same": never spec text that is not already an identifier
            assert re.fullmatch(r"[A-Za-z0-9_\-]*", node.value), node.value
            assert node.value not in spec_texts or (
                node.value.isidentifier() and node.value not in ("import",)
            )
    for text in (NETWORK_NAME, "os.system", "echo pwned", "print(", "__import__", "import os"):
        assert text not in code  # (sanitized, they survive only as parts of identifiers)


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ({"type": "leakyrelu", "negative_slope": float("inf")}, "finite number"),
        ({"type": "batchnorm2d", "eps": float("nan")}, "finite number"),
        ({"type": "constantpad2d", "padding": 1, "value": float("-inf")}, "finite number"),
        ({"type": "upsample", "scale_factor": 2, "mode": "nearest'); import os; ('"}, "mode"),
        (
            {"type": "conv2d", "out_channels": 2, "kernel_size": 1, "padding_mode": 'zeros"; x'},
            "padding_mode",
        ),
    ],
)
def test_values_that_are_not_plain_are_refused_with_a_position(
    layer: dict[str, object], message: str
) -> None:
    spec = {
        "name": "v",
        "input": {"channels": 2, "height": 4, "width": 4},
        "layers": [{"name": "L", **layer}],
    }
    with pytest.raises(SpecError) as err:
        generate(analyze(loads(yaml.safe_dump(spec), "values.yaml")))
    text = str(err.value)
    assert re.search(r"values\.yaml:\d+:\d+: ", text) and message in text, text


def test_names_torch_cannot_hold_are_refused_by_the_loader() -> None:
    """Dots and line breaks never reach codegen: the loader refuses them, located."""
    for bad in ("a.b", "a\nb"):
        spec = {"name": "n", "input": {"features": 3}, "layers": [{"name": bad, "type": "relu"}]}
        with pytest.raises(SpecError, match=r"bad\.yaml:\d+:\d+: E004"):
            loads(yaml.safe_dump(spec), "bad.yaml")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(layer_name, min_size=LAYERS, max_size=LAYERS, unique=True), hostile, hostile)
@example(
    ['a"""', "b\\", "c\n#x", "\u2028", "class", "\x00", "'''", "名前"],
    'x"""\\\n',
    "y\r\n.yaml",
)
def test_any_text_as_a_name_changes_no_token(names: list[str], name: str, file: str) -> None:
    """With any text as the names, the torch module's tokens are those of plain names but for
    its identifiers (sanitized by names.Namespace; compared by kind), and it is ASCII."""
    width = 10_000  # no line wraps where a sanitized name is longer than a plain one
    plain = generate(network(), "torch", width).code
    code = generate(network(names, name, file), "torch", width).code
    ast.parse(code)
    assert code.isascii()
    assert py_tokens(code, names=False) == py_tokens(plain, names=False)
