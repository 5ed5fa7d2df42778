"""Text cells in CSV files that people open in Excel or WPS.

A cell starting with ``=``, ``+``, ``-`` or ``@`` is run as a formula when the file is opened (CSV
injection): a resource name or a source system's value like ``=HYPERLINK(…)`` would act on the reader's
machine. Such a cell is written with a leading apostrophe, which the spreadsheet shows as text and does not
display; a number (``-5``, ``+8613800000000``) is left as it is. Reading a file back takes the apostrophe off.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def formula_safe(value: str) -> str:
    """``value`` as a spreadsheet shows it as text, never as a formula."""
    if len(value) > 1 and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return f"'{value}"
    return value


def unquoted(value: str) -> str:
    """A cell :func:`formula_safe` wrote, as it was."""
    if len(value) > 2 and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
