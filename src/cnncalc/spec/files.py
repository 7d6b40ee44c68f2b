"""Reading an included spec file: exactly the file that was checked, and a regular file only.

`include: L/../x.yaml` where `L` is a symlink names the file the OS reaches by following `L`
and then going up from where it points; a path collapsed as text (`x.yaml` beside the spec)
names another file. So the path is resolved once, the resolved path is checked and opened,
and what was opened is checked again through its descriptor (a folder swapped for a symlink
between the check and the open is caught there). FIFOs, devices and sockets are never read:
their status is read before they are opened (opening a FIFO would wait for a writer) and,
for a file swapped in after that, the open does not wait (O_NONBLOCK) and fstat refuses it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cnncalc.spec.yamlpos import MAX_FILE_BYTES

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)  # the resolved path ends in no symlink, unless swapped
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class Refused(Exception):
    """The file is not read: `reason` says why ("is a FIFO, not a spec file"), `outside`
    whether it lies outside the root."""

    def __init__(self, reason: str, outside: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.outside = outside


def _what(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def read_regular(target: Path, root: Path | None) -> bytes:
    """The bytes (at most MAX_FILE_BYTES + 1) of the regular file at `target`, a fully
    resolved path; with `root`, the file opened must lie inside it. Raises Refused, or
    OSError (FileNotFoundError for a missing file) for what the OS refuses."""
    if root is not None and not target.is_relative_to(root):
        raise Refused("outside", outside=True)
    before = os.stat(target)
    if not stat.S_ISREG(before.st_mode):
        raise Refused(f"is {_what(before.st_mode)}, not a spec file")
    try:
        fd = os.open(target, _FLAGS)
    except OSError as err:
        if err.errno == getattr(os, "ELOOP", None):  # a symlink swapped in after resolving
            raise Refused("changed while it was being opened") from None
        raise
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode):
            raise Refused(f"is {_what(now.st_mode)}, not a spec file")
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            raise Refused("changed while it was being opened")
        if root is not None:  # what the descriptor really is (Linux): a swapped folder shows
            try:
                opened = Path(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:
                opened = None
            if opened is not None and not opened.is_relative_to(root):
                raise Refused("outside", outside=True)
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
