"""`cnncalc sweep`: evaluate every variant of a space, keep those `--where` accepts (or the
Pareto set), stream rows to CSV or JSON lines, resume an interrupted run.

Rows are written in variant order, whatever the number of workers: a task is a range of
variant numbers (CHUNK of them), which the worker makes itself (sweep/space.py), evaluates,
filters and formats; results are taken in order, so local processes (--jobs) and a Dask
cluster (--dask) write the file a serial run writes. Each worker keeps its own caches
(sweep/evaluate.py), and a range of consecutive variants in a grid shares its networks."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cnncalc.errors import CnncalcError, UsageError, printable
from cnncalc.spec.expr import Value
from cnncalc.sweep import SweepFormat
from cnncalc.sweep.evaluate import FIGURES, Evaluator
from cnncalc.sweep.select import NUMERIC, Pareto, Where
from cnncalc.sweep.space import Space

CHUNK = 2_000  # variants per task sent to a worker
DASK_TIMEOUT = 20  # seconds to reach a Dask scheduler
PLOTTED = 5_000  # variants kept for --plot (reservoir sampling)


@dataclass
class Result:
    evaluated: int = 0
    written: int = 0
    invalid: int = 0
    skipped: int = 0  # already in the file (--resume)
    seconds: float = 0.0
    structures: int = 0
    # with --pareto: the first two columns of up to PLOTTED variants (an even sample) and of
    # the Pareto set, for --plot
    points: list[tuple[float, float]] = field(default_factory=list)
    front: list[tuple[float, float]] = field(default_factory=list)


def columns(space: Space, batch: int | None = None) -> list[str]:
    extra = ["saved_bytes"] if batch is not None else []
    return ["index", *space.names, *FIGURES, *extra, "error"]


# ---- one chunk of variants: evaluated, filtered, formatted (in a worker or here) ----------
@dataclass(frozen=True)
class Job:
    space: Space
    fmt: SweepFormat
    cols: tuple[str, ...]
    keep: Where | None
    pareto: bool  # the rows go back for the Pareto set instead of text
    batch: int | None = None  # saved_bytes at this batch


@dataclass
class Done:
    text: str
    rows: list[dict[str, Value]]  # for --pareto
    invalid: int
    written: int
    built: int


def _cell(v: Value) -> str:
    return repr(v) if isinstance(v, float) else str(v).lower() if isinstance(v, bool) else str(v)


def format_rows(rows: Iterable[dict[str, Value]], fmt: SweepFormat, cols: Sequence[str]) -> str:
    """CSV rows (every column, empty where a row has none) or JSON lines (the keys a row has)."""
    buf = io.StringIO()
    if fmt is SweepFormat.csv:
        w = csv.writer(buf, lineterminator="\n")
        w.writerows([_cell(row[c]) if c in row else "" for c in cols] for row in rows)
    else:
        for row in rows:
            buf.write(json.dumps({c: row[c] for c in cols if c in row}) + "\n")
    return buf.getvalue()


def run_chunk(ev: Evaluator, job: Job, first: int, count: int) -> Done:
    """Variants first … first + count - 1, made, evaluated, filtered and formatted."""
    before = ev.built
    variants = job.space.variants(first, count)
    rows: list[dict[str, Value]] = []
    invalid = 0
    fixed = dict(job.space.fixed)
    for k, values in enumerate(variants):
        fig = ev.figures({**fixed, **values} if fixed else values)
        row: dict[str, Value] = {"index": first + k, **values}
        if isinstance(fig, str):
            invalid += 1
            if job.keep is not None or job.pareto:
                continue  # a filter reads figures: an invalid variant has none
            row["error"] = fig
        else:
            row["params"] = fig.params
            row["trainable"] = fig.trainable
            row["macs"] = fig.macs
            row["output"] = fig.output
            row["layers"] = fig.layers
            if fig.saved_bytes is not None:
                row["saved_bytes"] = fig.saved_bytes
            if job.keep is not None and not job.keep.keeps(row):
                continue
        rows.append(row)
    if job.pareto:
        return Done("", rows, invalid, 0, ev.built - before)
    return Done(format_rows(rows, job.fmt, job.cols), [], invalid, len(rows), ev.built - before)


_WORKER: Evaluator | None = None


def _init(path: str, batch: int | None) -> None:
    global _WORKER
    _WORKER = Evaluator(path, batch)


def _work(job: Job, first: int, count: int) -> Done:
    assert _WORKER is not None
    return run_chunk(_WORKER, job, first, count)


_EVALUATORS: dict[tuple[str, int | None], Evaluator] = {}  # a Dask worker's: one per spec


def dask_chunk(spec: str, job: Job, first: int, count: int) -> Done:
    """One task on a Dask worker: the spec (and its includes) must be at the same path there."""
    ev = _EVALUATORS.get((spec, job.batch))
    if ev is None:
        ev = _EVALUATORS[spec, job.batch] = Evaluator(spec, job.batch)
    return run_chunk(ev, job, first, count)


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
    dask: str | None = None,
) -> Result:
    """Run the sweep from variant `start`, writing rows to `out`."""
    ev = evaluator or Evaluator(spec)
    cols = columns(space, ev.batch)
    numeric = [*NUMERIC, "saved_bytes"] if ev.batch is not None else list(NUMERIC)
    readable = [*space.names, *numeric]
    keep = Where.parse(where, readable) if where else None
    front = Pareto.parse(pareto, readable) if pareto else None
    job = Job(space, fmt, tuple(cols), keep, front is not None, ev.batch)
    if header and fmt is SweepFormat.csv:
        out.write(format_rows([dict(zip(cols, cols, strict=True))], fmt, cols))
    total = len(space)
    result = Result(skipped=start)
    t0 = last = time.perf_counter()
    seen, rng = 0, random.Random(0)  # the plotted sample: the same for the same sweep
    xk, yk = (front.keys[0][0], front.keys[1][0]) if front is not None else ("", "")
    index = start
    for done, count in _chunks(ev, spec, job, start, total, jobs, dask):
        out.write(done.text)  # a whole chunk at a time: an interrupted run ends on a row
        index += count
        result.invalid += done.invalid
        result.written += done.written
        result.structures += done.built
        for row in done.rows:
            assert front is not None
            front.add(row)
            seen += 1
            point = (float(row[xk]), float(row[yk]))  # type: ignore[arg-type]
            if len(result.points) < PLOTTED:
                result.points.append(point)
            elif (k := rng.randrange(seen)) < PLOTTED:
                result.points[k] = point
        now = time.perf_counter()
        if progress is not None and now - last > 1.0:
            last = now
            out.flush()
            _progress(index, total, t0, progress, first=start)
    result.evaluated = index - start
    if front is not None:
        rows = front.rows()
        out.write(format_rows(rows, fmt, cols))
        result.written = len(rows)
        result.front = [(float(r[xk]), float(r[yk])) for r in rows]  # type: ignore[arg-type]
    out.flush()
    result.seconds = time.perf_counter() - t0
    if progress is not None:
        _progress(index, total, t0, progress, "\n", start)
    return result


def _chunks(
    ev: Evaluator, spec: str, job: Job, start: int, total: int, jobs: int, dask: str | None
) -> Iterator[tuple[Done, int]]:
    """Each chunk's result and size, in order; in worker processes when jobs > 1 and there
    is more than a chunk of work. A task is two numbers: each worker makes its variants."""
    ranges = [(f, min(CHUNK, total - f)) for f in range(start, total, CHUNK)]
    if dask is not None:
        yield from _dask_chunks(dask, spec, job, ranges)
        return
    if jobs <= 1 or len(ranges) <= 1:
        for f, n in ranges:
            yield run_chunk(ev, job, f, n), n
        return
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(jobs, initializer=_init, initargs=(spec, job.batch)) as pool:
        pending: list[tuple[Any, int]] = []
        todo = iter(ranges)
        for f, n in itertools.islice(todo, 4 * jobs):
            pending.append((pool.apply_async(_work, (job, f, n)), n))
        while pending:
            task, n = pending.pop(0)
            done = task.get()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append((pool.apply_async(_work, (job, *nxt)), nxt[1]))
            yield done, n


def _dask_chunks(
    address: str, spec: str, job: Job, ranges: list[tuple[int, int]]
) -> Iterator[tuple[Done, int]]:
    """The chunks as tasks on a Dask cluster (dask.distributed), at most a few per worker in
    flight, their results taken in order: the rows a serial run writes."""
    try:
        from distributed import Client  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise UsageError("--dask needs dask.distributed: pip install 'cnncalc[dask]'") from None
    try:
        client = Client(  # type: ignore[no-untyped-call, unused-ignore]
            address, timeout=DASK_TIMEOUT, set_as_default=False
        )
    except (OSError, TimeoutError, ValueError) as err:
        raise UsageError(
            f"--dask {printable(address)}: cannot reach the scheduler: {err}"
        ) from None
    path = str(Path(spec).resolve())
    with client:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        todo = iter(ranges)
        pending = [
            (client.submit(dask_chunk, path, job, f, n, pure=False), n)
            for f, n in itertools.islice(todo, 4 * workers)
        ]
        while pending:
            future, n = pending.pop(0)
            done = future.result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append((client.submit(dask_chunk, path, job, *nxt, pure=False), nxt[1]))
            yield done, n


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
