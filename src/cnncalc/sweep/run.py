"""`cnncalc sweep`: evaluate every variant of a space, keep those `--where` accepts (or the
Pareto set), stream rows to CSV or JSON lines, resume an interrupted run.

Rows are written in variant order, whatever the number of worker processes: chunks of
variants go to a pool and come back in order, so a parallel run writes the file a serial run
writes. Each worker keeps its own caches (sweep/evaluate.py), and a chunk is a run of
consecutive variants, which in a grid share their structure."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cnncalc.errors import CnncalcError, UsageError, printable
from cnncalc.spec.expr import Value
from cnncalc.sweep import SweepFormat
from cnncalc.sweep.evaluate import FIGURES, Evaluator, Figures
from cnncalc.sweep.select import NUMERIC, Pareto, Where
from cnncalc.sweep.space import Space

CHUNK = 2_000  # variants per task sent to a worker


@dataclass
class Result:
    evaluated: int = 0
    written: int = 0
    invalid: int = 0
    skipped: int = 0  # already in the file (--resume)
    seconds: float = 0.0
    structures: int = 0


def columns(space: Space) -> list[str]:
    return ["index", *space.names, *FIGURES, "error"]


# ---- workers ----------------------------------------------------------------------------
_EVALUATOR: Evaluator | None = None


def _init(path: str) -> None:
    global _EVALUATOR
    _EVALUATOR = Evaluator(path)


def _chunk(variants: list[dict[str, Value]]) -> tuple[list[Figures | str], int]:
    ev = _EVALUATOR
    assert ev is not None
    before = ev.built
    return [ev.figures(v) for v in variants], ev.built - before


# ---- output -----------------------------------------------------------------------------
def _cell(v: Value) -> str:
    return repr(v) if isinstance(v, float) else str(v).lower() if isinstance(v, bool) else str(v)


class Writer:
    def __init__(self, stream: IO[str], fmt: SweepFormat, cols: list[str]) -> None:
        self.stream, self.fmt, self.cols = stream, fmt, cols
        self.buf = io.StringIO()
        self.csv = csv.writer(self.buf, lineterminator="\n")

    def header(self) -> None:
        if self.fmt is SweepFormat.csv:
            self.csv.writerow(self.cols)
            self.flush()

    def row(self, row: dict[str, Value]) -> None:
        if self.fmt is SweepFormat.csv:
            self.csv.writerow([_cell(row[c]) if c in row else "" for c in self.cols])
        else:
            self.buf.write(json.dumps({c: row[c] for c in self.cols if c in row}) + "\n")
        if self.buf.tell() > 1 << 16:
            self.flush()

    def flush(self) -> None:
        self.stream.write(self.buf.getvalue())
        self.buf.seek(0)
        self.buf.truncate()
        self.stream.flush()


def resume_point(path: Path, fmt: SweepFormat, cols: list[str]) -> int:
    """The index after the last complete row of an earlier run's file, which is cut back to
    its last complete line; UsageError when the file is another sweep's."""
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    lines = data[:end].decode("utf-8", "replace").splitlines()
    if fmt is SweepFormat.csv:
        if not lines:
            return -1  # not even a header: start afresh
        if next(csv.reader([lines[0]])) != cols:
            raise UsageError(f"--resume: {path} holds another sweep's columns")
        body = lines[1:]
        last = next(csv.reader([body[-1]]))[0] if body else None
    else:
        body = lines
        try:
            last = str(json.loads(body[-1])["index"]) if body else None
        except (ValueError, KeyError, TypeError):
            raise UsageError(f"--resume: {path} is not a sweep's JSON lines") from None
    if last is not None and not last.isdigit():
        raise UsageError(f"--resume: {path} is not a sweep's output")
    with open(path, "rb+") as f:  # a sweep's file: cut the row it was writing when stopped
        f.truncate(end)
    return 0 if last is None else int(last) + 1


def _progress(
    done: int, total: int, t0: float, stream: IO[str], end: str = "", first: int = 0
) -> None:
    rate = (done - first) / max(time.perf_counter() - t0, 1e-9)
    text = f"swept {done:,}/{total:,} variants ({rate:,.0f}/s)"
    if stream.isatty():
        stream.write("\r" + text + end)
    else:
        stream.write(text + "\n")
    stream.flush()


def sweep(
    spec: str,
    space: Space,
    out: IO[str],
    fmt: SweepFormat,
    *,
    where: str | None = None,
    pareto: str | None = None,
    jobs: int = 1,
    start: int = 0,
    header: bool = True,
    progress: IO[str] | None = None,
    evaluator: Evaluator | None = None,
) -> Result:
    """Run the sweep from variant `start`, writing rows to `out`."""
    ev = evaluator or Evaluator(spec)
    cols = columns(space)
    readable = [*space.names, *NUMERIC]
    keep = Where.parse(where, readable) if where else None
    front = Pareto.parse(pareto, [*space.names, *NUMERIC]) if pareto else None
    writer = Writer(out, fmt, cols)
    if header:
        writer.header()
    total = len(space)
    result = Result(skipped=start)
    t0 = time.perf_counter()
    variants = itertools.islice(space.variants(), start, None)
    index = start
    try:
        index = _rows(
            ev, spec, variants, jobs, total, start, keep, front, writer, result, progress, t0
        )
    finally:  # interrupted: what was evaluated is on disk, for --resume
        writer.flush()
    if front is not None:
        for row in front.rows():
            writer.row(row)
            result.written += 1
    writer.flush()
    result.seconds = time.perf_counter() - t0
    result.structures = result.structures or ev.built
    if progress is not None:
        _progress(index, total, t0, progress, "\n", start)
    return result


def _rows(
    ev: Evaluator,
    spec: str,
    variants: Iterator[dict[str, Value]],
    jobs: int,
    total: int,
    start: int,
    keep: Where | None,
    front: Pareto | None,
    writer: Writer,
    result: Result,
    progress: IO[str] | None,
    t0: float,
) -> int:
    index = start
    last_report = t0
    for chunk_figures, chunk_vars in _evaluate(ev, spec, variants, jobs, total - start, result):
        for values, fig in zip(chunk_vars, chunk_figures, strict=True):
            row: dict[str, Value] = {"index": index, **values}
            index += 1
            if isinstance(fig, str):
                result.invalid += 1
                row["error"] = fig
                if keep is not None or front is not None:
                    continue  # a filter reads figures: an invalid variant has none
            else:
                row.update(
                    params=fig.params,
                    trainable=fig.trainable,
                    macs=fig.macs,
                    output=fig.output,
                    layers=fig.layers,
                )
                if keep is not None and not keep.keeps(row):
                    continue
            if front is not None:
                front.add(row)
                continue
            writer.row(row)
            result.written += 1
        result.evaluated = index - start
        now = time.perf_counter()
        if progress is not None and now - last_report > 1.0:
            last_report = now
            writer.flush()
            _progress(index, total, t0, progress, first=start)
    return index


def _batches(items: Iterator[dict[str, Value]], size: int) -> Iterator[list[dict[str, Value]]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


def _evaluate(
    ev: Evaluator,
    spec: str,
    variants: Iterator[dict[str, Value]],
    jobs: int,
    count: int,
    result: Result,
) -> Iterable[tuple[list[Figures | str], list[dict[str, Value]]]]:
    """(figures, variants) per chunk, in order; in worker processes when jobs > 1 and there
    is more than a chunk of work."""
    if jobs <= 1 or count <= CHUNK:
        for batch in _batches(variants, CHUNK):
            yield [ev.figures(v) for v in batch], batch
        return
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(jobs, initializer=_init, initargs=(spec,)) as pool:
        pending: list[tuple[Any, list[dict[str, Value]]]] = []
        batches = _batches(variants, CHUNK)
        for batch in itertools.islice(batches, 2 * jobs):
            pending.append((pool.apply_async(_chunk, (batch,)), batch))
        while pending:
            task, batch = pending.pop(0)
            figures, built = task.get()
            result.structures += built
            nxt = next(batches, None)
            if nxt is not None:
                pending.append((pool.apply_async(_chunk, (nxt,)), nxt))
            yield figures, batch


def open_output(
    path: Path | None, fmt: SweepFormat, cols: list[str], resume: bool
) -> tuple[IO[str], int, bool]:
    """The stream to write, the variant to start from, whether to write the header."""
    if path is None:
        if resume:
            raise UsageError("--resume needs --output FILE")
        return sys.stdout, 0, True
    try:
        if resume and path.exists():
            start = resume_point(path, fmt, cols)
            if start >= 0:  # after the rows (and header) already there
                return open(path, "a", encoding="utf-8", newline=""), start, False
        return open(path, "w", encoding="utf-8", newline=""), 0, True
    except OSError as err:
        raise CnncalcError(f"cannot write {printable(str(path))}: {err.strerror}") from None


def format_for(path: Path | None, given: SweepFormat | None) -> SweepFormat:
    if given is not None:
        return given
    if path is not None and path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        return SweepFormat.jsonl
    return SweepFormat.csv


def default_jobs() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
