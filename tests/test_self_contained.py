"""The suite reads nothing outside the repository (a plain clone passes it; .ci/run proves that
by running it in one): no absolute workspace paths, no sibling `shared` folder, no `parents[n]`
that climbs above the repository root. The reference figures live in tests/data/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.glob("tests/**/*.py"), *ROOT.glob("fuzz/**/*.py")])
OUTSIDE = re.compile(r"""["'](?:/work\b|/tmp/wt\b|\.\./shared\b)|\bROOT\.parent\b|shared["'] */""")


def test_no_source_names_a_path_outside_the_repository() -> None:
    found = []
    for path in SOURCES:
        if path.name == "test_self_contained.py":
            continue  # its own examples below
        rel = path.relative_to(ROOT)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line) and "tmp_path" not in line:
                found.append(f"{rel}:{n}: {line.strip()}")
            for m in re.finditer(r"__file__\)(?:\.resolve\(\))?\.parents\[(\d+)\]", line):
                if int(m.group(1)) > len(rel.parts) - 1:  # parents[len - 1] is the root
                    found.append(f"{rel}:{n}: climbs above the repository: {line.strip()}")
    assert SOURCES and not found, "\n".join(found)


def test_the_scan_sees_what_it_looks_for() -> None:
    assert OUTSIDE.search('REFERENCE = Path("/work/shared/reference/x.json")')
    assert OUTSIDE.search('REFERENCE = ROOT.parent / "shared" / "reference" / "x.json"')
    assert not OUTSIDE.search('write(tmp_path, {"shared/cbr.yaml": CBR})')


def test_ci_runs_the_readmes_test_command_in_a_plain_clone() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("# install what the tests need", 1)[1].split("```", 1)[0]
    command = block.splitlines()[1].strip()
    assert command.endswith("python3 -m pytest"), command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"\n{command} || status=$?\n" in ci  # the same command, its exit status kept
    assert 'git clone -q --no-checkout "$repo" "$clone"' in ci and 'clone="$tmp/cnncalc"' in ci
