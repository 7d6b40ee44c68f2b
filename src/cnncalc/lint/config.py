"""Lint configuration: `[tool.cnncalc]` in pyproject.toml or a `.cnncalc.yaml`.

    [tool.cnncalc]
    select = ["ALL"]                 # codes, code prefixes (W2) or rule names
    ignore = ["W206"]
    exclude = ["tests/fixtures/**"]
    specs = ["specs/**/*.yaml"]      # files that must be specs (never skipped as other YAML)
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
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from cnncalc.errors import CnncalcError, UsageError
from cnncalc.layers.registry import suggest as suggest_word
from cnncalc.lint import registry
from cnncalc.lint.diagnostics import Severity
from cnncalc.lint.rule import shown

YAML_NAMES = (".cnncalc.yaml", ".cnncalc.yml")
KEYS = (
    "select",
    "ignore",
    "exclude",
    "specs",
    "per-file-ignores",
    "fail-on",
    "budgets",
    "rules",
)


@dataclass
class Config:
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    specs: tuple[str, ...] = ()  # patterns of files that must be specs
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

    def is_spec(self, file: str) -> bool:
        rel = self.relative(file)
        return any(_match(rel, pat) for pat in self.specs)

    def file_ignores(self, file: str) -> tuple[str, ...]:
        rel = self.relative(file)
        return tuple(c for pat, codes in self.per_file_ignores if _match(rel, pat) for c in codes)


def _match(rel: str, pattern: str) -> bool:
    pattern = pattern.removeprefix("./")
    return any(
        fnmatch.fnmatchcase(rel, pat) or fnmatch.fnmatchcase(rel, pat.rstrip("/*") + "/*")
        for pat in (pattern, pattern.replace("**/", ""))  # `**/` also stands for no folder
    )


Where = Callable[[tuple[str, ...]], str]


def from_mapping(data: Mapping[str, Any], where: Where, root: Path, source: str) -> Config:
    """Validate a config mapping; `where(keys)` names a position for messages."""

    def fail(keys: tuple[str, ...], message: str) -> CnncalcError:
        return UsageError(f"{where(keys)}: {message}")

    def codes(keys: tuple[str, ...], value: object) -> tuple[str, ...]:
        if isinstance(value, str):  # from the command line: comma-separated
            value = [v.strip() for v in value.split(",") if v.strip()]
            if not value:
                raise fail(keys, f"names no rule; give {registry.selectors_help()}")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(keys, "must be a list of rule codes or names")
        for v in value:
            if not v.strip():  # "" is a prefix of every code: it would select (or ignore) all
                raise fail(keys, f"an empty entry; give {registry.selectors_help()}")
            if not registry.known_selector(v):
                hint = registry.suggest(v) or f"; give {registry.selectors_help()}"
                raise fail(keys, f"unknown rule code or name {shown(v)}{hint}")
        return tuple(value)

    cfg = Config(root=root, source=source)
    norm = {str(k).replace("_", "-"): (k, v) for k, v in data.items()}
    for key, (raw, value) in norm.items():
        keys = (str(raw),)
        if key not in KEYS:
            hint = suggest_word(key, list(KEYS))
            raise fail(
                keys,
                f"unknown key {shown(raw)}"
                + (f"; {hint}" if hint else f" (keys: {', '.join(KEYS)})"),
            )
        if key == "select":
            cfg.select = codes(keys, value)
        elif key == "ignore":
            cfg.ignore = codes(keys, value)
        elif key in ("exclude", "specs"):
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise fail(keys, "must be a list of glob patterns")
            setattr(cfg, key, tuple(value))
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
                raise fail(keys, f"must be error, warning or info, got {shown(value)}") from None
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
                        (*keys, str(name)),
                        f"unknown rule {shown(name)}{registry.suggest(str(name))}",
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
            raise fail(
                (*keys, str(raw)), f"{rule.name} has no option {shown(raw)} (options: {allowed})"
            )
        try:
            out[name] = rule.options[name].parse(value)
        except ValueError as err:
            raise fail((*keys, str(raw)), str(err)) from None


MAX_TOML_BYTES = 16 * 1024 * 1024  # as a spec: a pyproject.toml is a short text file


def _toml_kind(value: object) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a float"}
    names |= {list: "an array", dict: "a table"}
    return names.get(type(value), "a date or time")


def _read_toml(p: Path) -> dict[str, Any]:
    """A pyproject.toml, or a UsageError naming the file (and where it can, the line and key)."""
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_TOML_BYTES + 1)
        if len(raw) > MAX_TOML_BYTES:
            raise UsageError(f"{p}: larger than {MAX_TOML_BYTES:,} bytes")
        text = raw.decode("utf-8")
        return tomllib.loads(text)
    except UnicodeDecodeError as err:
        raise UsageError(f"{p}: not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise UsageError(f"{p}: cannot read: {err.strerror or err}") from None
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"{p}: {err}") from None
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        raise UsageError(
            f"{p}: arrays or inline tables nested too deeply to read; "
            "fix the file, or name a config with --config (or use --isolated)"
        ) from None
    except ValueError:  # an integer longer than Python converts (sys.int_info)
        m = re.search(r"[0-9][0-9_]{4299}", text)
        where = ""
        if m:
            start = text.rfind("\n", 0, m.start()) + 1
            key = text[start : m.start()].partition("=")[0].strip()
            where = f":{text.count(chr(10), 0, start) + 1}" + (f": {shown(key)}" if key else "")
        raise UsageError(
            f"{p}{where}: an integer too long to read (4,300 digits at most)"
        ) from None


def _tool_table(p: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    """[tool.cnncalc] of a parsed pyproject.toml; None if it has none."""
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise UsageError(
            f"{p}: tool must be a table of tools' settings ([tool.cnncalc]), got {_toml_kind(tool)}"
        )
    table = tool.get("cnncalc")
    if table is not None and not isinstance(table, dict):
        raise UsageError(
            f"{p}: tool.cnncalc must be a table ([tool.cnncalc]), got {_toml_kind(table)}"
        )
    return table


def load_config(path: str | Path) -> Config:
    """Read one config file: a .cnncalc.yaml, or a pyproject.toml's [tool.cnncalc]."""
    p = Path(path)
    root = p.parent.absolute()
    if not p.is_file():
        raise UsageError(f"{p}: no such config file")
    if p.suffix == ".toml":
        table = _tool_table(p, _read_toml(p)) or {}
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
    """The nearest config from `start` (the current folder) up; defaults if there is none.

    A pyproject.toml on the way that cannot be read is a usage error, as ruff treats it:
    cnncalc cannot tell whether it holds [tool.cnncalc] (--isolated reads no config)."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        for name in YAML_NAMES:
            if (folder / name).is_file():
                return load_config(folder / name)
        py = folder / "pyproject.toml"
        if py.is_file() and _tool_table(py, _read_toml(py)) is not None:
            return load_config(py)
    return Config(root=here)
