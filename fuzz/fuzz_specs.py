"""Long-run fuzzing of everything cnncalc does with a spec, in-process.

    python fuzz/fuzz_specs.py -runs=500000 -timeout=30 -rss_limit_mb=2048 fuzz/corpus

atheris (libFuzzer, coverage-guided over cnncalc's own code) drives each input's choices: the
fuzz bytes pick a mode and a seed spec, then either are the spec (bytes path: decode, parse),
or steer tests/robustness/mutate.py's mutations of a seed (as text: YAML punctuation, tags,
anchors, control characters; as data: deleted keys, swapped types, odd values, reordered
layers). Every input runs parse -> build -> analyze and, for some, the renderers and torch
codegen, judged by tests/robustness/oracle.py: a result, or a SpecError / UsageError whose
every problem is one printable line at file:line:col. Anything else is a crash.

Crashes and slow inputs (over SLOW_S) are written to fuzz/findings/ with their traceback and
the run goes on (`--stop` to stop at the first); libFuzzer's own -timeout / -rss_limit_mb
catch hangs and memory bombs. Without atheris, `--random N` runs the same loop from
random.Random (no coverage guidance). docs/robustness.md records the runs.
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
os.chdir(ROOT)  # seeds include files relative to themselves; keep paths short and stable

if TYPE_CHECKING:  # imported in _imports(), after atheris has instrumented cnncalc
    from robustness.mutate import dump, mutate_data, mutate_text
    from robustness.oracle import run_text

    from cnncalc.errors import SpecError
    from cnncalc.spec.yamlpos import decode, parse_text

FINDINGS = HERE / "findings"
SLOW_S = 5.0
SEED_FILES = [
    *sorted((HERE / "seeds").glob("*.yaml")),
    ROOT / "specs" / "lenet5.yaml",
    ROOT / "specs" / "resnet18.yaml",  # include: blocks/resnet.yaml
    ROOT / "specs" / "squeezenet1_1.yaml",  # include: squeezenet1_0.yaml
]


def _imports() -> None:
    global run_text, mutate_data, mutate_text, dump, decode, parse_text, SpecError
    from robustness.mutate import dump, mutate_data, mutate_text
    from robustness.oracle import run_text

    from cnncalc.errors import SpecError
    from cnncalc.spec.yamlpos import decode, parse_text


class FdpRng:
    """mutate.Rng over atheris's FuzzedDataProvider: libFuzzer's byte mutations become
    mutations of the spec, and coverage feedback steers them."""

    def __init__(self, fdp: Any) -> None:
        self.fdp = fdp

    def randrange(self, stop: int) -> int:
        return int(self.fdp.ConsumeIntInRange(0, stop - 1)) if stop > 1 else 0

    def random(self) -> float:
        return float(self.fdp.ConsumeProbability())


class Seeds:
    def __init__(self) -> None:
        self.items = [
            (str(f.relative_to(ROOT)), f.read_text(encoding="utf-8"), None) for f in SEED_FILES
        ]

    def data(self, i: int) -> Any:
        file, text, data = self.items[i]
        if data is None:
            data = parse_text(text, file).data
            self.items[i] = (file, text, data)
        return data


SEEDS: Seeds | None = None
STOP = False
COUNT = 0


def one(rng: Any, raw: bytes | None) -> None:
    """One input: build it from `rng` (or take `raw` as the file's bytes) and judge it."""
    assert SEEDS is not None
    mode = rng.randrange(8)
    i = rng.randrange(len(SEEDS.items))
    file, text, _ = SEEDS.items[i]
    if mode == 0 and raw is not None:  # the bytes are the file
        try:
            text = decode(raw, file)
        except SpecError as err:
            for p in err.problems:
                from robustness.oracle import check_problem

                check_problem(p)
            return
    elif mode <= 3:
        text = mutate_text(rng, text, 1 + rng.randrange(6))
    else:
        text = dump(mutate_data(rng, SEEDS.data(i), 1 + rng.randrange(5)))
    extra = rng.randrange(100)
    run_text(text, file, render=extra < 10, table=extra == 0, codegen=extra == 1)
    return


def random_input(key: str) -> tuple[random.Random, bytes, bytes]:
    """Input number `key` ('seed:k') of a --random run, rebuilt exactly (for --replay)."""
    rng = random.Random(key)
    return rng, rng.randbytes(rng.randrange(200)), f"random:{key}".encode()


def judged(rng: Any, raw: bytes | None, label: bytes) -> None:
    global COUNT
    COUNT += 1
    start = time.perf_counter()
    try:
        one(rng, raw)
    except Exception as err:
        record("crash", label, err)
        if STOP:
            raise
    spent = time.perf_counter() - start
    if spent > SLOW_S:
        record(f"slow-{spent:.1f}s", label, None)


def record(kind: str, label: bytes, err: BaseException | None) -> None:
    """Write the input (replayable: `--replay FILE`) and what happened to fuzz/findings/."""
    FINDINGS.mkdir(exist_ok=True)
    digest = hashlib.sha1(label).hexdigest()[:12]
    where = ""
    if err is not None:
        tb = traceback.extract_tb(err.__traceback__)[-1]
        where = f"{type(err).__name__}@{Path(tb.filename).name}:{tb.lineno}"
    name = f"{kind}-{where or 'input'}-{digest}".replace("/", "_").replace(":", "_")
    (FINDINGS / f"{name}.bin").write_bytes(label)
    text = "".join(traceback.format_exception(err)) if err is not None else kind
    (FINDINGS / f"{name}.txt").write_text(text, encoding="utf-8")
    print(f"finding: {name}: {where or kind}", file=sys.stderr, flush=True)


def main() -> None:
    global SEEDS, STOP
    argv = sys.argv[1:]
    STOP = "--stop" in argv
    argv = [a for a in argv if a != "--stop"]
    if argv[:1] == ["--replay"]:  # re-run findings: each .bin holds the fuzz bytes
        _imports()
        SEEDS = Seeds()
        import atheris  # type: ignore[import-untyped]

        STOP = True
        for f in argv[1:]:
            data = Path(f).read_bytes()
            if data.startswith(b"random:"):
                judged(*random_input(data.decode().removeprefix("random:")))
            else:
                judged(FdpRng(atheris.FuzzedDataProvider(data)), data, data)
        return
    if argv[:1] == ["--random"]:  # no atheris: the same inputs from random.Random
        n, seed = int(argv[1]), int(argv[2]) if len(argv) > 2 else 0
        _imports()
        SEEDS = Seeds()
        start = time.time()
        for k in range(n):
            judged(*random_input(f"{seed}:{k}"))
            if (k + 1) % 50_000 == 0:
                print(f"#{k + 1} {time.time() - start:.0f}s", file=sys.stderr, flush=True)
        print(f"Done {n} runs in {time.time() - start:.0f} second(s)", file=sys.stderr)
        return
    import atheris

    # coverage of the spec layer (parsing, validation, blocks) steers the search; the rest
    # runs uninstrumented, several times faster. FUZZ_INSTRUMENT=cnncalc covers everything.
    scope = os.environ.get("FUZZ_INSTRUMENT", "cnncalc.spec,cnncalc.layers").split(",")
    with atheris.instrument_imports(include=scope):
        import cnncalc.analysis.engine
        import cnncalc.codegen.pytorch
        import cnncalc.layers.registry as registry
        import cnncalc.render.json
        import cnncalc.render.table
        import cnncalc.render.text
        import cnncalc.spec.load  # noqa: F401

        registry.types()  # imports (and instruments) every layer module
    _imports()
    SEEDS = Seeds()

    def test_one_input(data: bytes) -> None:
        judged(FdpRng(atheris.FuzzedDataProvider(data)), data, data)

    atheris.Setup([sys.argv[0], *argv], test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
