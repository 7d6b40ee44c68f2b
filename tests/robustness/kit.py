"""Running the real console script on hostile input, with time and memory bounded."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MEMORY_MB = 768  # address space for one CLI run; a well-behaved run needs under 256
SECONDS = 20  # wall clock for one CLI run (a few tenths of a second when all is well)

VALID = """name: tiny
input: {channels: 1, height: 8, width: 8}
layers:
  - {name: c1, type: conv2d, out_channels: 2, kernel_size: 3}
"""


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        return self.err.splitlines()


def _limit() -> None:  # in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_MB << 20, MEMORY_MB << 20))


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """`cnncalc ARGS` as installed (cli/fast.py's entry), with stdin closed.

    Whatever the input, the CLI must answer in words: a Python traceback, or the line that
    `guarded` prints for a bug, fails the test that ran it."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", "from cnncalc.cli.fast import entry; entry()", *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=SECONDS,
        cwd=cwd,
        # not PYTEST_CURRENT_TEST: a test id can hold a parameter too long for execve
        env={**{k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}, **(env or {})},
        stdin=subprocess.DEVNULL,
        preexec_fn=_limit,
    )
    run = Run(proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start)
    assert "Traceback" not in run.err, run.err[-3000:]
    assert "internal error" not in run.err, run.err
    assert "out of memory" not in run.err, f"needed more than {MEMORY_MB} MB: {run.err}"
    return run


def refused(run: Run, code: int, *needles: str) -> str:
    """The run failed with `code` and exactly one stderr line holding every needle."""
    assert run.code == code, (run.code, run.err, run.out[:500])
    assert len(run.lines) == 1, run.err[:3000]
    line = run.lines[0]
    for n in needles:
        assert n in line, (n, line)
    return line
