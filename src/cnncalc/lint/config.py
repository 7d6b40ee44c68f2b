"""Lint configuration: `[tool.cnncalc]` in pyproject.toml or a `.cnncalc.yaml`.

    [tool.cnncalc]
    select = ["ALL"]                 # codes, code prefixes (W2) or rule names
    ignore = ["W206"]
    exclude = ["tests/fixtures/**"]
    fail-on = "warning"              # error (default), warning or info
    [tool.cnncalc.per-file-ignores]
    "specs/legacy/*.yaml" = ["W201", "kernel-padding"]
    [tool.cnncalc.budgets]
    max-params = "12M"
    [tool.cnncalc.rules.spatial-collapse]
    min-size = 2

The nearest `.cnncalc.yaml` or pyproject.toml with a [tool.cnncalc] table, from the current
folder up, is used; paths in it are relative to its folder. Bad config is a usage error."""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from cnncalc.errors import CnncalcError, UsageError
from cnncalc.layers.registry import suggest as suggest_word
from cnncalc.lint import registry
from cnncalc.lint.diagnostics import Severity

YAML_NAMES = (".cnncalc.yaml", ".cnncalc.yml")
KEYS = ("select", "ignore", "exclude", "per-file-ignores", "fail-on", "budgets", "rules")


@dataclass
class Config:
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fail_on: Severity = Severity.ERROR
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule code -> values
    root: Path = field(default_factory=Path.cwd)  # patterns are relative to this folder
    source: str = ""  # the file it came from, '' for defaults

    def relative(self, file: str) -> str:
        p = Path(file).absolute()
        try:
            return p.relative_to(self.root.absolute()).as_posix()
        except ValueError:
            return PurePath(file).as_posix()

    def excluded(self, file: str) -> bool:
        rel = self.relative(file)
        return any(_match(rel, pat) for pat in self.exclude)

    def file_ignores(self, file: str) -> tuple[str, ...]:
        rel = self.relative(file)
        return tuple(c for pat, codes in self.per_file_ignores if _match(rel, pat) for c in codes)


def _match(rel: str, pattern: str) -> bool:
    pattern = pattern.removeprefix("./")
    return fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(
        rel, pattern.rstrip("/*") + "/*"
    )


Where = Callable[[tuple[str, ...]], str]


def from_mapping(data: Mapping[str, Any], where: Where, root: Path, source: str) -> Config:
    """Validate a config mapping; `where(keys)` names a position for messages."""

    def fail(keys: tuple[str, ...], message: str) -> CnncalcError:
        return UsageError(f"{where(keys)}: {message}")

    def codes(keys: tuple[str, ...], value: object) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(keys, "must be a list of rule codes or names")
        for v in value:
            if not registry.known_selector(v):
                raise fail(keys, f"unknown rule code or name {v!r}{registry.suggest(v)}")
        return tuple(value)

    cfg = Config(root=root, source=source)
    norm = {str(k).replace("_", "-"): (k, v) for k, v in data.items()}
    for key, (raw, value) in norm.items():
        keys = (str(raw),)
        if key not in KEYS:
            hint = suggest_word(key, list(KEYS))
            raise fail(
                keys,
                f"unknown key {raw!r}" + (f"; {hint}" if hint else f" (keys: {', '.join(KEYS)})"),
            )
        if key == "select":
            cfg.select = codes(keys, value)
        elif key == "ignore":
            cfg.ignore = codes(keys, value)
        elif key == "exclude":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise fail(keys, "must be a list of glob patterns")
            cfg.exclude = tuple(value)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise fail(keys, "must map glob patterns to lists of codes")
            cfg.per_file_ignores = tuple(
                (str(p), codes((*keys, str(p)), c)) for p, c in value.items()
            )
        elif key == "fail-on":
            try:
                cfg.fail_on = Severity(value)
            except ValueError:
                raise fail(keys, f"must be error, warning or info, got {value!r}") from None
        elif key == "budgets":
            if not isinstance(value, dict):
                raise fail(keys, "must map budgets (max-params, max-macs, …) to amounts")
            _options(cfg, "B301", value, keys, fail)
        else:  # rules: {name or code: {option: value}}
            if not isinstance(value, dict):
                raise fail(keys, "must map rule names to their options")
            for name, opts in value.items():
                found = registry.find(str(name))
                if found is None or found[1]:
                    raise fail(
                        (*keys, str(name)), f"unknown rule {name!r}{registry.suggest(str(name))}"
                    )
                if not isinstance(opts, dict):
                    raise fail((*keys, str(name)), "must map option names to values")
                _options(cfg, found[0].code, opts, (*keys, str(name)), fail)
    return cfg


def _options(
    cfg: Config,
    code: str,
    values: Mapping[str, Any],
    keys: tuple[str, ...],
    fail: Callable[[tuple[str, ...], str], CnncalcError],
) -> None:
    rule = next(r for r in registry.rules() if r.code == code)
    out = cfg.options.setdefault(code, {})
    for raw, value in values.items():
        name = str(raw).replace("_", "-")
        if name not in rule.options:
            allowed = ", ".join(rule.options) or "none"
            raise fail((*keys, str(raw)), f"{rule.name} has no option {raw!r} (options: {allowed})")
        try:
            out[name] = rule.options[name].parse(value)
        except ValueError as err:
            raise fail((*keys, str(raw)), str(err)) from None


def load_config(path: str | Path) -> Config:
    """Read one config file: a .cnncalc.yaml, or a pyproject.toml's [tool.cnncalc]."""
    p = Path(path)
    root = p.parent.absolute()
    if not p.is_file():
        raise UsageError(f"{p}: no such config file")
    if p.suffix == ".toml":
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as err:
            raise UsageError(f"{p}: {err}") from None
        table = data.get("tool", {}).get("cnncalc", {})
        if not isinstance(table, dict):
            raise UsageError(f"{p}: [tool.cnncalc] must be a table")
        return from_mapping(
            table, lambda keys: f"{p}: [tool.cnncalc] {'.'.join(keys)}", root, str(p)
        )
    from cnncalc.errors import SpecError
    from cnncalc.spec.yamlpos import parse_text, read_text

    try:
        text = read_text(p)
        if not text.strip() or all(
            ln.lstrip().startswith("#") for ln in text.splitlines() if ln.strip()
        ):
            return Config(root=root, source=str(p))  # an empty config: the defaults
        doc = parse_text(text, str(p))
    except SpecError as err:
        raise UsageError(f"{err.problems[0].pos}: {err.problems[0].message}") from None
    if not isinstance(doc.data, dict):
        raise UsageError(f"{p}: a config is a mapping (select, ignore, budgets, …)")
    return from_mapping(doc.data, lambda keys: str(doc.where(keys, key=True)), root, str(p))


def discover(start: Path | None = None) -> Config:
    """The nearest config from `start` (the current folder) up; defaults if there is none."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        for name in YAML_NAMES:
            if (folder / name).is_file():
                return load_config(folder / name)
        py = folder / "pyproject.toml"
        if py.is_file():
            try:
                has = "cnncalc" in tomllib.loads(py.read_text(encoding="utf-8")).get("tool", {})
            except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
                has = False
            if has:
                return load_config(py)
    return Config(root=here)
