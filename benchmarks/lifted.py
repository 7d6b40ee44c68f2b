"""`cnncalc` with the spec-size safety caps lifted, for benchmarks/run.py's 100,000-layer
point only: such a spec is over 200,000 YAML values, which spec/yamlpos.py refuses."""

from cnncalc.cli.fast import main
from cnncalc.spec import blocks, yamlpos

yamlpos.MAX_NODES = blocks.MAX_NODES = blocks.MAX_WORK = 10**9

if __name__ == "__main__":
    main()
