"""`cnncalc sweep --dask ADDRESS`: the same rows as a serial run, on a dask.distributed
LocalCluster of worker processes (the `dask` extra; CI installs it with `test`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnncalc.cli.app import app

distributed = pytest.importorskip(
    "distributed", reason="the dask extra: pip install 'cnncalc[dask]' (in `test` too)"
)

ROOT = Path(__file__).resolve().parents[2]
MOBILENET = ROOT / "specs" / "mobilenet_v2.yaml"
RESNET = ROOT / "specs" / "resnet" / "resnet50_family.yaml"


@pytest.fixture(scope="module")
def cluster() -> object:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        yield c


@pytest.mark.parametrize(
    "args",
    [
        ["--space", str(ROOT / "benchmarks" / "mobilenet_v2_space.yaml"), "--sample", "9000"],
        ["--grid", "width=0.25:1.5:0.25", "--grid", "resolution=32:400:2", "--where", "macs < 1e8"],
    ],
)
def test_dask_writes_what_a_serial_run_writes(
    args: list[str], cluster: object, tmp_path: Path
) -> None:
    serial, remote = tmp_path / "serial.csv", tmp_path / "dask.csv"
    base = ["sweep", str(MOBILENET), *args, "-q"]
    assert CliRunner().invoke(app, [*base, "-j", "1", "-o", str(serial)]).exit_code == 0
    res = CliRunner().invoke(app, [*base, "--dask", cluster.scheduler_address, "-o", str(remote)])  # type: ignore[attr-defined]
    assert res.exit_code == 0, res.stderr
    text = serial.read_text()
    assert remote.read_text() == text and text.count("\n") > 100


def test_an_unreachable_scheduler_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from cnncalc.sweep import run

    monkeypatch.setattr(run, "DASK_TIMEOUT", 2)
    res = CliRunner().invoke(
        app, ["sweep", str(RESNET), "-g", "width=1", "--dask", "tcp://127.0.0.1:9", "-q"]
    )
    assert res.exit_code == 2 and "cannot reach the scheduler" in res.stderr, res.stderr
