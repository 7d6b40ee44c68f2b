"""The console script with render/boxtable.py switched off, so that rich draws every table:
the other side of what boxtable saves.

    python benchmarks/ab.py --side boxtable=src --side rich=src:rich_tables:entry \
        -- params specs/resnet50.yaml
"""

import cnncalc.render.boxtable as boxtable
from cnncalc.cli.fast import entry

boxtable.plain_stdout = lambda: False  # as on a terminal: cli/report.py hands rich the table

__all__ = ["entry"]
