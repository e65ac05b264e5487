"""Spreadsheet formula injection: text a spreadsheet would run as a formula, written as text.

No Django here: command-line tools (``guanxi insights``) write CSV files with it too.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (= + - @ tab CR first) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo ``neutralise`` on import, so an exported or error file can be imported again unchanged."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
