"""Which files lint reads, and whether a YAML file is a spec.

Paths named on the command line are specs: one that does not load is a finding. Folders and
globs are walked without recursion (any depth), through symlinked folders at most once each
(a symlink loop ends), skipping hidden entries; only regular files are read — a FIFO, socket
or device is never opened, whatever its name. A YAML file found by a walk is linted unless
it is plainly not a spec (`kind`): a broken spec is a finding, never a skip."""

from __future__ import annotations

import difflib
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cnncalc.errors import UsageError
from cnncalc.lint.config import Config
from cnncalc.spec.yamlpos import STDIN

SUFFIXES = (".yaml", ".yml")
INPUT_KEYS = ("features", "channels", "length", "depth", "height", "width")
MAX_TOP_KEYS = 64  # a spec has 9 top-level keys; a mapping of hundreds is none misspelt
LIBRARY_KEYS = ("name", "description", "blocks", "include")

# Why a file was not linted (LintResult.reasons); the summary counts them by these words.
NOT_A_SPEC = "not a spec"
LIBRARY = "block library"
NOT_REGULAR = "not a regular file"
EXPLAIN = {
    NOT_A_SPEC: "YAML without input:, layers: or blocks: (or a misspelling of them)",
    LIBRARY: "blocks: only; its blocks are checked in the specs that include it",
    NOT_REGULAR: "a FIFO, socket, device or broken link: never opened",
}


@dataclass(frozen=True)
class Target:
    path: str
    named: bool  # must be a spec: named on the command line or matched by `specs` patterns


@dataclass
class Found:
    targets: list[Target] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # file -> reason, in walk order


# ---- is it a spec? ---------------------------------------------------------------------------
def _near(key: str, word: str) -> bool:
    """`key` is `word` misspelt: another case, a letter missing, extra or swapped."""
    k = key.lower()
    if k == word:
        return True
    if abs(len(k) - len(word)) > len(word) // 2:  # too long or short to reach 0.8: skip the work
        return False
    m = _MATCHERS.get(word)
    if m is None:  # one per word: SequenceMatcher indexes its second sequence
        m = _MATCHERS[word] = difflib.SequenceMatcher(None, "", word)
    m.set_seq1(k)
    return m.quick_ratio() >= 0.8 and m.ratio() >= 0.8  # the bound first: cheap, and rarely met


_MATCHERS: dict[str, difflib.SequenceMatcher[str]] = {}


def _layer_list(value: object) -> bool:
    return isinstance(value, list) and any(
        isinstance(v, dict) and ("type" in v or "layers" in v) for v in value
    )


def _input_map(value: object) -> bool:
    return isinstance(value, dict) and any(
        isinstance(k, str) and any(_near(k, w) for w in INPUT_KEYS)
        for k in list(value)[:MAX_TOP_KEYS]
    )


def _block_map(value: object) -> bool:
    return isinstance(value, dict) and any(
        isinstance(v, dict) and "layers" in v for v in value.values()
    )


def kind(data: object) -> str:
    """'spec', LIBRARY or NOT_A_SPEC for a parsed YAML document.

    A spec is a mapping with `input:` or `layers:`; a block library has `blocks:` and at
    most `name:`, `description:` and `include:` beside it. A mapping without them that has
    a misspelling of one of them (case, a letter: `layer:`, `Input:`, `blcoks:`) holding
    what that key holds (a list of layers, input sizes, block definitions) is a broken
    spec: linted, so its errors are reported. Anything else is plainly not a spec (a
    workflow, an action.yml with `inputs:`, a compose file, a list, an empty file)."""
    if not isinstance(data, dict):
        return NOT_A_SPEC
    keys = [k for k in data if isinstance(k, str)]
    if "input" in keys or "layers" in keys:
        return "spec"
    if "blocks" in keys and all(k in LIBRARY_KEYS for k in keys):
        return LIBRARY
    shapes = (("layers", _layer_list), ("input", _input_map), ("blocks", _block_map))
    near = keys if len(keys) <= MAX_TOP_KEYS else []
    if any(looks(data[k]) and _near(k, word) for k in near for word, looks in shapes):
        return "spec"
    if "blocks" in keys and isinstance(data["blocks"], dict):
        return "spec"  # blocks beside keys a spec never has: a misspelt one among them
    return NOT_A_SPEC


_TOP_KEY = re.compile(r"""^['"]?([A-Za-z_][\w-]*)['"]?[ \t]*:""", re.MULTILINE)


def text_kind(text: str) -> str:
    """The same question for text that is not valid YAML, from its top-level keys alone."""
    for n, m in enumerate(_TOP_KEY.finditer(text)):
        if n == MAX_TOP_KEYS:
            break
        key = m.group(1)
        if key.lower() in ("input", "layers", "blocks") or _near(key, "layers"):
            return "spec"
    return NOT_A_SPEC


# ---- walking -------------------------------------------------------------------------------
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as glob.glob reads it: `*`, `?` and `[…]` within one path part, `**` any parts."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _magic(part: str) -> bool:
    return any(c in part for c in "*?[")


def _entries(folder: Path, descend: Callable[[str], bool]) -> Iterator[tuple[Path, str, bool]]:
    """(path, its path relative to `folder`, is a regular file) for every non-hidden entry
    below `folder` that is not a folder, entering the folders `descend` accepts. Iterative
    (any depth), and each real folder is entered once, so a symlink loop ends."""
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Path, str]] = [(folder, "")]
    while stack:
        here, rel = stack.pop()
        try:
            st = here.stat()
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            with os.scandir(here) as it:
                listing = sorted(it, key=lambda e: e.name, reverse=True)
        except OSError:
            continue  # unreadable or vanished: nothing to lint in it
        for entry in listing:
            if entry.name.startswith("."):
                continue
            sub = f"{rel}/{entry.name}" if rel else entry.name
            try:
                is_dir = entry.is_dir()  # follows a symlink; stat never opens the file
                mode = 0 if is_dir else entry.stat().st_mode
            except OSError:
                is_dir, mode = False, 0  # a broken link
            if is_dir:
                if descend(sub):
                    stack.append((here / entry.name, sub))
            else:
                yield here / entry.name, sub, stat.S_ISREG(mode)


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def collect(paths: Sequence[str], config: Config, skip_non_specs: bool = False) -> Found:
    """The files to lint from paths (files, folders, globs), in order, without duplicates.

    A named file must be a spec, unless `skip_non_specs` (pre-commit names every YAML file)
    and it has a YAML suffix: then it is judged as a walk judges it. Files the config's
    `specs` patterns match must be specs in every case. Raises UsageError for a path that
    does not exist, a glob that matches nothing, and a named path that is neither a regular
    file nor a folder (a FIFO, a device: never opened)."""
    found = Found()
    seen: set[str] = set()

    def add(path: Path, named: bool, regular: bool = True) -> None:
        key = os.path.abspath(path)
        if key in seen or config.excluded(str(path)):
            return
        seen.add(key)
        if not regular:
            found.skipped[str(path)] = NOT_REGULAR
        else:
            found.targets.append(Target(str(path), named or config.is_spec(str(path))))

    for arg in paths:
        if arg == "-":  # the spec on standard input (read_stdin), named <stdin>
            if STDIN not in seen:
                seen.add(STDIN)
                found.targets.append(Target(STDIN, True))
            continue
        p = Path(arg)
        if not os.path.lexists(arg) and _magic(arg):
            hits = _glob(p)
            if not hits:
                raise UsageError(f"{arg}: no files match")
            for path, regular in hits:
                add(path, False, regular)
        elif p.is_dir():
            every = _entries(p, lambda rel: True)
            for path, regular in sorted((f, r) for f, _, r in every if f.suffix in SUFFIXES):
                add(path, False, regular)
        elif p.exists():
            if not _is_regular(p):
                raise UsageError(f"{arg}: not a regular file ({_what(p)}); lint reads files")
            add(p, not skip_non_specs or p.suffix not in SUFFIXES)
        else:
            raise UsageError(f"{arg}: no such file or folder")
    return found


def _glob(pattern: Path) -> list[tuple[Path, bool]]:
    """Files a glob matches, and the YAML files inside folders it matches (sorted)."""
    parts = pattern.parts
    n = next(i for i, part in enumerate(parts) if _magic(part))
    base = Path(*parts[:n]) if n else Path()
    rest = "/".join(parts[n:])
    rx = _glob_regex(rest)
    deep = "**" in rest

    matched: set[str] = set()  # folders the glob matches, and every folder inside them

    def parent(rel: str) -> str:
        return rel.rpartition("/")[0]

    def descend(rel: str) -> bool:
        if parent(rel) in matched or rx.match(rel):
            matched.add(rel)
            return True
        return deep or rel.count("/") + 1 < len(parts) - n

    if not base.is_dir():
        return []
    hits = [
        (path, regular)
        for path, rel, regular in _entries(base, descend)
        if rx.match(rel) or (path.suffix in SUFFIXES and parent(rel) in matched)
    ]
    return sorted(hits)


def _what(p: Path) -> str:
    mode = p.stat().st_mode
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a file"


def tally(reasons: Mapping[str, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for why in reasons.values():
        out[why] = out.get(why, 0) + 1
    return out
