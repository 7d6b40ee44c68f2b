"""`python -m cnncalc`: the console script's entry, the same fast path and exit codes."""

from cnncalc.cli.fast import entry

if __name__ == "__main__":
    entry()
