"""Lint output formats, one module each: data in (a LintResult), text out."""

from __future__ import annotations

import os
from enum import StrEnum


class LintFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


def default_format() -> LintFormat:
    """github under GitHub Actions (annotations on the pull request), text elsewhere."""
    return LintFormat.github if os.environ.get("GITHUB_ACTIONS") == "true" else LintFormat.text
