"""Long-run fuzzing of everything cnncalc does with a spec, in-process.

    python fuzz/fuzz_specs.py -runs=500000 -timeout=30 -rss_limit_mb=2048 fuzz/corpus

atheris (libFuzzer, coverage-guided over cnncalc's own code) drives each input's choices: the
fuzz bytes pick a mode and a seed spec, then either are the spec (bytes path: decode, parse),
or steer tests/robustness/mutate.py's mutations of a seed (as text: YAML punctuation, tags,
anchors, control characters; as data: deleted keys, swapped types, odd values, reordered
layers), or apply one of the hostile classes: hostile names (any Unicode or control character,
rich markup, comment and string delimiters) for the network, layers, blocks and the file,
rendered everywhere and generated as torch and CUDA code; nested lists behind expressions;
empty blocks nested with large `repeat:`; includes in a temporary folder laid out with
symlinks out of the spec's folder (nothing is written outside that folder). Every input runs
parse -> build -> analyze and, for some, the renderers and codegen, judged by
tests/robustness/oracle.py: a result, or a SpecError / UsageError whose every problem is one
printable line at file:line:col; no raw control character from a name in any output, nothing
from outside the spec's folder used or shown. Anything else is a finding.

Crashes and slow inputs (over SLOW_S) are written to fuzz/findings/ with their traceback and
the run goes on (`--stop` to stop at the first); libFuzzer's own -timeout / -rss_limit_mb
catch hangs and memory bombs. Without atheris, `--random N SEED` runs the same loop from
random.Random (no coverage guidance); there an input over HANG_S seconds is stopped by an
alarm (where Python code runs: not inside one C call) and the address space is capped at
FUZZ_MEMORY_MB (default 4096), so a memory bomb is a MemoryError finding, not a dead machine.
docs/robustness.md records the runs.
"""

from __future__ import annotations

import atexit
import copy
import faulthandler
import gc
import hashlib
import os
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
os.chdir(ROOT)  # seeds include files relative to themselves; keep paths short and stable

if TYPE_CHECKING:  # imported in _imports(), after atheris has instrumented cnncalc
    from robustness.mutate import (
        dump,
        empty_blocks,
        escaping_include,
        hostile_file_name,
        mutate_data,
        mutate_text,
        nested_lists,
        rename,
    )
    from robustness.oracle import include_layout, run_text

    from cnncalc.errors import SpecError
    from cnncalc.spec.yamlpos import decode, parse_text

os.environ.pop("CNNCALC_INCLUDE_ANYWHERE", None)  # an include out of the folder is a finding
FINDINGS = HERE / "findings"
SLOW_S = 5.0
# --random: an input still running after this is stopped and recorded (FUZZ_HANG_S)
HANG_S = int(os.environ.get("FUZZ_HANG_S", "60"))
SEED_FILES = [
    *sorted((HERE / "seeds").glob("*.yaml")),
    ROOT / "specs" / "lenet5.yaml",
    ROOT / "specs" / "resnet18.yaml",  # include: blocks/resnet.yaml
    ROOT / "specs" / "squeezenet1_1.yaml",  # include: squeezenet1_0.yaml
]


def _imports() -> None:
    global run_text, mutate_data, mutate_text, dump, decode, parse_text, SpecError
    global empty_blocks, escaping_include, hostile_file_name, nested_lists, rename
    global include_layout
    from robustness.mutate import (
        dump,
        empty_blocks,
        escaping_include,
        hostile_file_name,
        mutate_data,
        mutate_text,
        nested_lists,
        rename,
    )
    from robustness.oracle import include_layout, run_text

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
    """The seed specs, and the include layout (a temporary folder, removed at exit) whose
    net.yaml is the last seed."""

    def __init__(self) -> None:
        self.items = [
            (str(f.relative_to(ROOT)), f.read_text(encoding="utf-8"), None) for f in SEED_FILES
        ]
        tmp = Path(tempfile.mkdtemp(prefix="cnncalc-fuzz-"))
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
        net = include_layout(tmp) / "net.yaml"
        self.layout = len(self.items)
        self.items.append((str(net), net.read_text(encoding="utf-8"), None))
        for i, (file, text, _) in enumerate(self.items):
            self.data(i)  # parsed once here, not in every forked child
            # and every module an input may need imported here (lazy imports: 150 ms a child)
            run_text(text, file, render=True, table=True, codegen=True, cuda=True)

    def data(self, i: int) -> Any:
        file, text, data = self.items[i]
        if data is None:
            data = parse_text(text, file).data
            self.items[i] = (file, text, data)
        return data


SEEDS: Seeds | None = None
STOP = False
FORK = True  # --random: each input in a child process (--no-fork: in this one)
TRACE: Any = None  # where a hung child writes its traceback
COUNT = 0


def one(rng: Any, raw: bytes | None) -> None:
    """One input: build it from `rng` (or take `raw` as the file's bytes) and judge it."""
    assert SEEDS is not None
    mode = rng.randrange(10)
    i = rng.randrange(len(SEEDS.items))
    file, text, _ = SEEDS.items[i]
    if mode >= 8:  # the hostile classes, each judged through every output
        data = mutate_data(rng, SEEDS.data(i), rng.randrange(2)) if rng.randrange(2) else None
        data = data if isinstance(data, dict) else copy.deepcopy(SEEDS.data(i))
        if mode == 8:  # names, file names
            for _ in range(1 + rng.randrange(3)):
                layers = data.get("layers")  # a mutation may have made it any value
                layers = layers if isinstance(layers, list) else []
                rename(rng, data, layers, rng.randrange(len(layers)) if layers else 0)
            if rng.randrange(3) == 0:
                file = hostile_file_name(rng, file)
        else:
            cls = rng.randrange(3)
            if cls == 0:
                layers = data.get("layers")
                layers = layers if isinstance(layers, list) else []
                entries = [e for e in layers if isinstance(e, dict)]
                nested_lists(rng, data, entries[rng.randrange(len(entries))] if entries else {})
            elif cls == 1:
                empty_blocks(rng, data)
            else:
                file, _, _ = SEEDS.items[SEEDS.layout]
                data = copy.deepcopy(SEEDS.data(SEEDS.layout))
                escaping_include(rng, data)
        run_text(dump(data), file, render=True, table=True, codegen=True, cuda=mode == 8)
        return
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


class Hang(Exception):
    """An input ran past HANG_S (raised by the alarm, --random and --replay only)."""


def _alarm(signum: int, frame: Any) -> None:
    raise Hang(f"still running after {HANG_S} s")


def forked(rng: Any, raw: bytes | None, label: bytes) -> None:
    """One input in a forked child, killed after HANG_S: a loop inside one C call (a list
    compared or repr'd) ignores the alarm, so only another process can stop it. Before the
    kill the child prints where it is (faulthandler on SIGUSR1) into the finding."""
    assert TRACE is not None
    gc.freeze()  # the child's collections leave the parent's objects (and pages) alone
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            one(rng, raw)
        except BaseException as err:  # MemoryError, RecursionError: findings too
            record("crash", label, err)
            if STOP:
                traceback.print_exc()
            code = 1
        finally:
            sys.stderr.flush()
            os._exit(code)
    signal.alarm(HANG_S)
    try:
        _, status = os.waitpid(pid, 0)
        signal.alarm(0)
    except Hang as err:
        TRACE.seek(0)
        TRACE.truncate()
        os.kill(pid, signal.SIGUSR1)
        time.sleep(0.5)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        TRACE.seek(0)
        record("hang", label, err, TRACE.read())
        status = -1
    if status > 0 and os.WIFSIGNALED(status):
        record(f"killed-{signal.Signals(os.WTERMSIG(status)).name}", label, None)
    if STOP and status:
        raise SystemExit(1)


def judged(rng: Any, raw: bytes | None, label: bytes, alarm: bool = False) -> None:
    global COUNT
    COUNT += 1
    start = time.perf_counter()
    if alarm and FORK:
        forked(rng, raw, label)
    else:
        if alarm:
            signal.alarm(HANG_S)
        try:
            one(rng, raw)
        except Exception as err:
            record("hang" if isinstance(err, Hang) else "crash", label, err)
            if STOP:
                raise
        finally:
            if alarm:
                signal.alarm(0)
    spent = time.perf_counter() - start
    if spent > SLOW_S:
        record(f"slow-{spent:.1f}s", label, None)


def record(kind: str, label: bytes, err: BaseException | None, where_now: str = "") -> None:
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
    if where_now:
        text = f"{kind} after {HANG_S} s; the child was at:\n{where_now}"
    (FINDINGS / f"{name}.txt").write_text(text, encoding="utf-8")
    print(f"finding: {name}: {where or kind}", file=sys.stderr, flush=True)


def main() -> None:
    global SEEDS, STOP, FORK, TRACE
    argv = sys.argv[1:]
    STOP = "--stop" in argv
    FORK = "--no-fork" not in argv
    argv = [a for a in argv if a not in ("--stop", "--no-fork")]
    if argv[:1] in (["--replay"], ["--random"]):
        signal.signal(signal.SIGALRM, _alarm)
        limit = int(os.environ.get("FUZZ_MEMORY_MB", "4096")) << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        TRACE = tempfile.TemporaryFile("w+")  # noqa: SIM115 (open for the whole run)
        faulthandler.register(signal.SIGUSR1, file=TRACE, all_threads=False)
    if argv[:1] == ["--replay"]:  # re-run findings: each .bin holds the fuzz bytes
        _imports()
        SEEDS = Seeds()
        STOP = True
        for f in argv[1:]:
            data = Path(f).read_bytes()
            if data.startswith(b"random:"):  # a --random input: no atheris needed
                judged(*random_input(data.decode().removeprefix("random:")), alarm=True)
            else:
                import atheris  # type: ignore[import-untyped]

                judged(FdpRng(atheris.FuzzedDataProvider(data)), data, data)
        return
    if argv[:1] == ["--random"]:  # no atheris: the same inputs from random.Random
        n, seed = int(argv[1]), int(argv[2]) if len(argv) > 2 else 0
        _imports()
        SEEDS = Seeds()
        start = time.time()
        for k in range(n):
            judged(*random_input(f"{seed}:{k}"), alarm=True)
            if (k + 1) % int(os.environ.get("FUZZ_EVERY", "50000")) == 0:
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
