"""A spec as a git revision holds it: `specs/net.yaml@HEAD~1` (docs/diff.md).

The spec's folder and the shared `blocks/` folder beside it (the only places `include:` may
read from, spec/blocks.py) are copied out of the revision into a temporary folder laid out as
the repository is, and the spec is loaded from there: includes resolve exactly as they do in
a working tree, against the revision's files, with the same refusals. Only `*.yaml`/`*.yml`
files are copied (what includes name), symlinks are not (an include through a symlink in a
revision is "no such file"), and positions name the files as `path@REV`. git runs with an
argument list, never a shell, and a revision is resolved to its commit once.
"""

from __future__ import annotations

import os
import posixpath
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from cnncalc.errors import CnncalcError, Pos, Problem, SpecError, UsageError, printable
from cnncalc.spec.blocks import ALLOW_OUTSIDE_ENV
from cnncalc.spec.network import Network
from cnncalc.spec.yamlpos import MAX_FILE_BYTES, Document

MAX_FILES = 5_000  # spec files copied out of one revision
GIT_TIMEOUT = 60  # seconds for one git command (a huge repository's ls-tree)
_SPEC_FILE = re.compile(r".*\.ya?ml\Z", re.S)


def split(ref: str) -> tuple[str, str | None]:
    """'specs/net.yaml@HEAD~1' -> ('specs/net.yaml', 'HEAD~1'); a plain path -> (path, None).
    A file that exists under the whole name is that file; else the first '@' after which the
    rest is the revision, preferring a path that exists (`net@v2.yaml@HEAD@{1}`) or ends in
    .yaml/.yml."""
    if "@" not in ref or ref == "-" or os.path.isfile(ref):
        return ref, None
    cuts = [i for i, c in enumerate(ref) if c == "@" and i > 0]
    if not cuts:
        return ref, None
    for test in (os.path.isfile, lambda p: p.endswith((".yaml", ".yml")), lambda p: True):
        for i in cuts:
            if test(ref[:i]):
                return ref[:i], ref[i + 1 :]
    return ref, None  # unreachable: the last test takes any cut


def _git(args: Sequence[str], cwd: str, what: str, data: bytes | None = None) -> bytes:
    """Run git (argv list, no shell) and return stdout; UsageError with git's first line."""
    try:
        done = subprocess.run(
            ["git", "--literal-pathspecs", *args],
            cwd=cwd,
            input=data,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise UsageError(f"{what}: git is not installed (needed to read a revision)") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"{what}: git took more than {GIT_TIMEOUT} s") from None
    except OSError as err:
        raise UsageError(f"{what}: cannot run git: {err.strerror or err}") from None
    except ValueError:  # a NUL in an argument: no path or revision holds one
        raise UsageError(f"{what}: not a usable path or revision") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        first = lines[0].removeprefix("fatal: ") if lines else f"exit code {done.returncode}"
        raise UsageError(f"{what}: {printable(first)}")
    return done.stdout


def _existing_folder(path: str) -> tuple[str, list[str]]:
    """The nearest existing folder at or above the path's folder, and the parts below it."""
    here = os.path.normpath(os.path.abspath(path))
    tail: list[str] = []
    folder, name = os.path.split(here)
    tail.append(name)
    while not os.path.isdir(folder):
        folder, name = os.path.split(folder)
        tail.insert(0, name)
    return folder, tail


def load_revision(path: str, rev: str) -> Network:
    """The spec at `path` (relative to the current folder, as a working-tree path) as
    revision `rev` holds it, includes read from the same revision."""
    from cnncalc.spec.load import load

    label = f"{path}@{rev}"
    shown = printable(label)
    if not path or not rev or rev.startswith("-") or not rev.isprintable():
        raise UsageError(f"{shown}: write a revision as PATH@REV, e.g. specs/net.yaml@HEAD~1")
    folder, tail = _existing_folder(path)
    top = _git(["rev-parse", "--show-toplevel"], folder, shown).decode().strip()
    prefix = _git(["rev-parse", "--show-prefix"], folder, shown).decode().rstrip("\n")
    rel = posixpath.normpath(posixpath.join(prefix, *tail))
    if rel.startswith("../") or rel == "..":
        raise UsageError(f"{shown}: {printable(path)} is outside the git repository ({top})")
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top, shown)
    except UsageError:
        raise UsageError(f"{shown}: unknown revision {printable(rev)!r}") from None
    sha = commit.decode().strip()
    try:
        kind = _git(["cat-file", "-t", f"{sha}:{rel}"], top, shown).strip()
    except UsageError:
        kind = b""
    if kind != b"blob":
        raise UsageError(f"{shown}: revision {printable(rev)} has no file {printable(rel)}")
    folders = [posixpath.dirname(rel)]
    if folders[0]:  # the shared blocks/ folder beside the spec's folder (spec/blocks.py)
        folders.append(posixpath.join(posixpath.dirname(folders[0]), "blocks"))
    with tempfile.TemporaryDirectory(prefix="cnncalc-rev-") as scratch:
        # one level down: a spec at the repository's root looks for a shared blocks/ beside
        # its folder, which must be the (empty) scratch folder's, not the system's temp folder
        tmp = os.path.join(scratch, "repo")
        os.mkdir(tmp)
        _copy(top, sha, folders, rel, tmp, shown)
        names = _Names(tmp, rel, path, rev)
        try:
            net = load(os.path.join(tmp, *rel.split("/")))
        except SpecError as err:
            raise SpecError([names.problem(p) for p in err.problems]) from None
        except CnncalcError as err:
            raise type(err)(names.text(str(err))) from None
        return names.network(net, label)


def _copy(top: str, sha: str, folders: list[str], rel: str, tmp: str, shown: str) -> None:
    """Write the revision's spec files under `folders` into `tmp`, laid out as in the repo."""
    args = ["ls-tree", "-r", "-z", "-l", "--full-tree", sha]
    if folders[0]:
        args += ["--", *(f + "/" for f in folders)]
    listing = _git(args, top, shown)
    wanted: list[tuple[str, str]] = []  # (object, path)
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name_b = entry.partition(b"\t")
        mode, kind, obj, size = meta.split()
        name = name_b.decode("utf-8", "surrogateescape")
        if kind != b"blob" or mode not in (b"100644", b"100755") or not _SPEC_FILE.match(name):
            continue
        if int(size) > MAX_FILE_BYTES and name != rel:
            continue  # too large to be a spec: an include of it is "no such file"
        wanted.append((obj.decode(), name))
    if len(wanted) > MAX_FILES:
        raise UsageError(
            f"{shown}: more than {MAX_FILES:,} spec files beside it in the revision; "
            "check the file out and diff it as a file"
        )
    if not wanted:
        return
    batch = _git(["cat-file", "--batch"], top, shown, "".join(o + "\n" for o, _ in wanted).encode())
    at = 0
    for _, name in wanted:
        header_end = batch.index(b"\n", at)
        length = int(batch[at:header_end].split()[2])
        body = batch[header_end + 1 : header_end + 1 + length]
        at = header_end + 1 + length + 1  # the body's trailing newline
        dest = Path(tmp, *name.split("/"))
        if ".." in name.split("/") or not dest.resolve().is_relative_to(Path(tmp).resolve()):
            continue  # git never stores such a path; never write outside tmp all the same
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(body)


class _Names:
    """Temporary paths -> how the user names the revision's files (`specs/x.yaml@HEAD~1`)."""

    def __init__(self, tmp: str, rel: str, path: str, rev: str) -> None:
        roots = {tmp, os.path.realpath(tmp)}
        self.pattern = re.compile(
            "(?:" + "|".join(re.escape(r) for r in sorted(roots, key=len, reverse=True)) + ")"
            r"((?:/[^\s'\"()]*)?)"
        )
        self.rel_dir = posixpath.dirname(rel)
        self.user_dir = os.path.dirname(path)
        self.rev = rev
        self.roots = roots

    def file(self, inside: str) -> str:
        """A repository-relative path as the user would write it, with the revision."""
        q = inside.lstrip("/") or "."
        mine = os.path.normpath(
            os.path.join(self.user_dir, posixpath.relpath(q, self.rel_dir or "."))
        )
        return f"{mine}@{self.rev}"

    def text(self, s: str) -> str:
        return self.pattern.sub(lambda m: self.file(m.group(1)), s)

    def outside(self, file: str) -> bool:
        return not file.startswith("<") and not any(
            os.path.realpath(file).startswith(os.path.realpath(r) + os.sep) for r in self.roots
        )

    def problem(self, p: Problem) -> Problem:
        pos = replace(p.pos, file=self.text(p.pos.file))
        return replace(p, pos=pos, message=self.text(p.message), hint=self.text(p.hint))

    def doc(self, d: Document, seen: dict[int, str]) -> None:
        if id(d) in seen:
            return
        if self.outside(d.file):  # CNNCALC_INCLUDE_ANYWHERE reached the working tree
            raise UsageError(
                f"{self.text(d.file)}: the revision's spec includes a file outside its folder, "
                f"which cannot be read from the revision (unset {ALLOW_OUTSIDE_ENV})"
            )
        seen[id(d)] = d.file
        d.file = self.text(d.file)

        def moved(table: dict[tuple[str | int, ...], Pos]) -> None:
            for k, pos in table.items():
                table[k] = replace(pos, file=d.file)

        moved(d.values)
        moved(d.keys)

    def network(self, net: Network, label: str) -> Network:
        seen: dict[int, str] = {}
        self.doc(net.doc, seen)
        for n in net.nodes:
            self.doc(n.doc, seen)
        net.file = label
        return net
