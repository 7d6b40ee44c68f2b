"""cnncalc schema: the spec format's JSON Schema, for editors (yaml-language-server) and CI."""

from __future__ import annotations

import json

from cnncalc.cli.common import writing


def schema() -> None:
    """Print the JSON Schema of spec files (save it and point your editor at it; see README)."""
    from cnncalc.schema import spec_schema

    text = json.dumps(spec_schema(), indent=2, ensure_ascii=False)
    with writing():  # a failed write is one line, not a bug
        print(text)
