"""cnncalc sweep SPEC: every variant of a spec's arguments, one row each (docs/sweep.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from cnncalc.cli.common import fail, guarded, writing
from cnncalc.cli.typer_options import SetOpt
from cnncalc.errors import CnncalcError, ExitCode, UsageError, printable
from cnncalc.sweep import SweepFormat

if TYPE_CHECKING:
    from cnncalc.sweep.evaluate import Evaluator
    from cnncalc.sweep.space import Space


SweepSpec = Annotated[  # a file, not stdin: worker processes read it again
    Path,
    typer.Argument(
        help="the network spec (a YAML file with args:)", show_default=False, metavar="SPEC"
    ),
]


def sweep(
    spec: SweepSpec,
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
            "-g",
            help="an axis of the grid: NAME=LOW:HIGH:STEP or NAME=A,B,C (repeatable)",
            show_default=False,
        ),
    ] = None,
    space: Annotated[
        str | None,
        typer.Option("--space", help="a YAML file of ranges and choices", show_default=False),
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option("--sample", "-n", help="draw N variants at random", show_default=False),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="the random draws' seed")] = 0,
    where: Annotated[
        str | None,
        typer.Option(
            "--where",
            "-w",
            help="keep rows where this is true: 'macs <= 600e6 and params <= 5e6'",
            show_default=False,
        ),
    ] = None,
    pareto: Annotated[
        str | None,
        typer.Option(
            "--pareto",
            help="write only the Pareto set of these columns (minimised; -NAME maximised)",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="write rows here (default: stdout)", show_default=False
        ),
    ] = None,
    format: Annotated[
        SweepFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="csv or jsonl [default: from the file name, else csv]",
            show_default=False,
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1, help="worker processes [default: every core]", show_default=False
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="continue the sweep in --output where it stopped")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress on stderr")] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="with --pareto: an SVG of the variants and their front on its first two columns",
            show_default=False,
        ),
    ] = None,
    batch: Annotated[
        int | None,
        typer.Option(
            "--batch",
            "-b",
            min=1,
            help="add saved_bytes: what autograd saves at this batch, float32 (cnncalc memory)",
            show_default=False,
        ),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="run the chunks on this Dask scheduler (tcp://host:8786); needs cnncalc[dask]",
            show_default=False,
        ),
    ] = None,
    sets: SetOpt = None,
) -> None:
    """Evaluate every variant of the spec's args: (params, trainable, MACs, output) to CSV
    or JSON lines, filtered by --where or reduced to a Pareto set."""
    from cnncalc.sweep.evaluate import Evaluator
    from cnncalc.sweep.run import columns, default_jobs, format_for, open_output
    from cnncalc.sweep.run import sweep as run
    from cnncalc.sweep.select import NUMERIC, Pareto, Where
    from cnncalc.sweep.space import make_space

    def prepare() -> tuple[Evaluator, Space, SweepFormat, IO[str], int, bool]:
        if str(spec) == "-":
            raise UsageError("sweep reads a spec file (its workers read it too), not stdin")
        if plot is not None and not pareto:
            raise UsageError("--plot draws the Pareto set: give --pareto X,Y too")
        if resume and pareto:
            raise UsageError("--resume and --pareto: a Pareto set is written at the end; rerun it")
        ev = Evaluator(spec, batch)
        sp = make_space(ev.defs, grid or [], space, sample, seed, sets or [])
        readable = [*sp.names, *NUMERIC, *(["saved_bytes"] if batch else [])]
        if where is not None:  # checked before the output file is touched
            Where.parse(where, readable)
        if pareto is not None:
            Pareto.parse(pareto, readable)
        fmt = format_for(output, format)
        out, start, header = open_output(output, fmt, columns(sp, batch), resume)
        return ev, sp, fmt, out, start, header

    ev, sp, fmt, out, start, header = guarded(prepare)
    try:
        with writing():  # a full disk is one line; a closed pipe ends quietly (run_app)
            r = run(
                str(spec),
                sp,
                out,
                fmt,
                where=where,
                pareto=pareto,
                jobs=jobs or default_jobs(),
                start=start,
                header=header,
                progress=None if quiet else sys.stderr,
                evaluator=ev,
                dask=dask,
            )
    except CnncalcError as err:
        fail(f"cnncalc: {err}", err.exit_code)
    finally:
        if out is not sys.stdout:
            out.close()
    if plot is not None and pareto is not None:
        from cnncalc.render.pareto_svg import svg

        x, y = (c.strip().lstrip("-") for c in pareto.split(",")[:2])
        title = f"{printable(spec.name)}: {r.evaluated:,} variants, Pareto set in red"
        text = svg(r.points, r.front, x, y, title)
        try:
            plot.write_text(text, encoding="utf-8")
        except OSError as err:
            fail(f"cnncalc: cannot write {plot}: {err.strerror}", ExitCode.USAGE)
    if not quiet:
        rate = r.evaluated / max(r.seconds, 1e-9)
        print(
            f"{r.evaluated:,} variants in {r.seconds:.2f} s ({rate:,.0f}/s, "
            f"{r.structures:,} networks built), {r.invalid:,} invalid, {r.written:,} rows written"
            + (f", {r.skipped:,} done before (--resume)" if r.skipped else ""),
            file=sys.stderr,
        )
