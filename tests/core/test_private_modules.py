"""cnncalc leans on no private internals (issue 14): a newer pydantic that moves a private
module must not break it. Every module under src/cnncalc is read as source: none touches
`sys.modules`, and none imports, or names for importing, a `_`-prefixed module or name of
pydantic or pydantic_core."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "cnncalc"
PACKAGES = ("pydantic", "pydantic_core")
# a dotted path into pydantic with a private part: pydantic._internal, pydantic.plugin._loader
NAMED = re.compile(r"\bpydantic(?:_core)?(?:\.\w+)*\._\w")


def _private(module: str) -> bool:
    parts = module.split(".")
    return parts[0] in PACKAGES and any(p.startswith("_") for p in parts[1:])


def problems(source: str) -> list[str]:
    """Each use of sys.modules or of pydantic's private API in `source`, with its line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "modules"
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
        ):
            found.append(f"{line}: sys.modules")
        elif isinstance(node, ast.Import):
            found += [f"{line}: import {a.name}" for a in node.names if _private(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "sys" and any(a.name == "modules" for a in node.names):
                found.append(f"{line}: from sys import modules")
            elif node.module.split(".")[0] in PACKAGES and (
                _private(node.module) or any(a.name.startswith("_") for a in node.names)
            ):
                found.append(f"{line}: from {node.module} import ...")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # a name for importlib.import_module("pydantic._internal..."), or for sys.modules
            found += [f"{line}: names {m[0]}" for m in NAMED.finditer(node.value)]
    return found


@pytest.mark.parametrize(
    "path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC.parent))
)
def test_no_private_pydantic_module_and_no_sys_modules(path: Path) -> None:
    assert problems(path.read_text(encoding="utf-8")) == []


BAD = [  # what issue 14 removed from cli/fast.py, and its relatives
    'import sys, types\nsys.modules["pydantic.plugin._loader"] = types.ModuleType("x")\n',
    "import sys\ndel sys.modules['pydantic']\n",
    "import sys\nstub = sys.modules.get('x')\n",
    "from sys import modules\n",
    "import importlib\nimportlib.import_module('pydantic.plugin._loader')\n",
    "from pydantic._internal import _config\n",
    "from pydantic.plugin._loader import get_plugins\n",
    "from pydantic import _migration\n",
    "from pydantic.fields import _Unset\n",
    "import pydantic_core._pydantic_core\n",
    "import pydantic._internal._model_construction as m\n",
]
GOOD = [
    "from pydantic import BaseModel, Field\n",
    "from pydantic.json_schema import models_json_schema\n",
    "import pydantic_core\n",
    "import sys\nsys.argv = ['cnncalc']\n",
    "from . import _private_of_ours\n",
    'import os\nos.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")\n',
]


@pytest.mark.parametrize("source", BAD)
def test_the_check_sees_each_kind_of_use(source: str) -> None:
    assert problems(source)


@pytest.mark.parametrize("source", GOOD)
def test_the_check_passes_public_uses(source: str) -> None:
    assert problems(source) == []
