"""What keeps `cnncalc params` fast is what it does not import (docs/performance.md): this
runs the console entry point in a fresh interpreter and reads sys.modules at exit."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The console script's own code, reading sys.modules as the interpreter exits.
PROBE = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('\\nMODULES', *sorted(sys.modules), file=sys.stderr))\n"
    "sys.argv = ['cnncalc', *sys.argv[1:]]\n"
    "from cnncalc.cli.fast import main\n"
    "main()\n"
)
NEVER = ("torch", "sympy", "cnncalc.codegen", "cnncalc.lint", "typer", "click", "onnx", "asyncio")


def imported(*args: str, env: dict[str, str] | None = None) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    assert proc.returncode == 0, proc.stderr
    line = proc.stderr.rsplit("MODULES ", 1)[1]
    return set(line.split())


def python(code: str) -> str:
    """stdout of `code` run in a fresh interpreter at the repository root; it must succeed."""
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def loaded(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


@pytest.mark.parametrize(
    "args",
    [
        ("params", "specs/lenet5.yaml", "--format", "json"),
        ("params", "specs/resnet50.yaml"),
        ("params", "specs/resnet152.yaml", "--explain", "--ascii"),
        ("params", "specs/resnet50.yaml", "-f", "csv", "--depth", "1"),
        ("shapes", "specs/resnet50.yaml", "--format", "markdown", "--input", "3x512x512"),
    ],
)
def test_concrete_report_imports_no_heavy_package(args: tuple[str, ...]) -> None:
    """Tables too, off a terminal: render/boxtable.py draws them without rich."""
    modules = imported(*args)
    assert "cnncalc.api" in modules  # the probe saw the real work
    for package in (*NEVER, "rich"):
        assert not loaded(modules, package), f"{' '.join(args)} imported {loaded(modules, package)}"


def test_a_terminal_table_imports_rich_and_still_nothing_heavy() -> None:
    """Colour forced (as on a terminal): rich prints, and the probe sees it, so the tests
    above can fail."""
    modules = imported("params", "specs/lenet5.yaml", env={"FORCE_COLOR": "1"})
    assert loaded(modules, "rich")
    for package in NEVER:
        assert not loaded(modules, package)


def test_symbolic_input_uses_cnncalc_sym_not_sympy() -> None:
    modules = imported("params", "specs/resnet50.yaml", "--input", "3xHxW", "--format", "json")
    assert "cnncalc.sym" in modules
    for package in NEVER:
        assert not loaded(modules, package)


def test_only_the_layer_kinds_in_use_have_their_validators_built() -> None:
    """Layer models defer building their pydantic schema (layers/base.py): a spec pays for the
    kinds it uses. LeNet-5 uses six kinds (and the activations it names)."""
    code = (
        "from cnncalc.api import report\n"
        "from cnncalc.layers import registry\n"
        "report('specs/lenet5.yaml')\n"
        "kinds = {c for c, _ in registry.types().values()}\n"
        "built = sorted(c.__name__ for c in kinds if c.__pydantic_complete__)\n"
        "print(len(kinds), *built)\n"
    )
    total, *built = python(code).split()
    assert {"Conv", "Subsample", "Linear"} <= set(built) and len(built) <= 8, built
    assert int(total) >= 30 and not {"ConvTranspose", "GroupNorm", "BatchNorm", "MaxPool"} & set(
        built
    )


def test_a_spec_imports_only_the_modules_of_its_layer_kinds() -> None:
    """layers/registry.py's index: LeNet-5 uses conv, subsample, linear, rbf and the
    activations; no other layer module is imported (blocks imports merge and split)."""
    from cnncalc.layers import registry

    modules = imported("params", "specs/lenet5.yaml", "--format", "json")
    kinds = {m.rsplit(".", 1)[1] for m in loaded(modules, "cnncalc.layers")} & set(registry.MODULES)
    assert {"conv", "subsample", "linear"} <= kinds
    assert not {"pool", "norm_batch", "conv_transpose", "upsample", "dropout"} & kinds, kinds


def test_console_script_is_the_fast_entry_point() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["cnncalc"] == "cnncalc.cli.fast:entry"


def test_plugins_are_off_through_pydantics_public_switch(tmp_path: Path) -> None:
    """The console script sets PYDANTIC_DISABLE_PLUGINS (pydantic's documented switch) unless
    the user did: an installed pydantic plugin is never loaded. The same plugin is loaded when
    the user's own setting names another plugin, so the probe can see one."""
    (tmp_path / "cnncalc_probe_plugin.py").write_text(
        "import pathlib\n"
        "pathlib.Path(__file__).with_name('loaded').write_text('yes')\n"
        "class Plugin:\n"
        "    def new_schema_validator(self, *args, **kwargs):\n"
        "        return None, None, None\n"
        "plugin = Plugin()\n"
    )
    dist = tmp_path / "cnncalc_probe_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: cnncalc-probe-plugin\n")
    (dist / "entry_points.txt").write_text("[pydantic]\nprobe = cnncalc_probe_plugin:plugin\n")
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    modules = imported("params", "specs/lenet5.yaml", env={"PYTHONPATH": path})
    assert "cnncalc.api" in modules and "cnncalc_probe_plugin" not in modules
    assert not (tmp_path / "loaded").exists()
    imported(
        "params", "specs/lenet5.yaml", env={"PYTHONPATH": path, "PYDANTIC_DISABLE_PLUGINS": "x"}
    )
    assert (tmp_path / "loaded").read_text() == "yes"


def test_a_users_own_plugin_setting_gets_pydantics_real_loader() -> None:
    modules = imported("params", "specs/lenet5.yaml", env={"PYDANTIC_DISABLE_PLUGINS": "other"})
    assert "importlib.metadata" in modules
