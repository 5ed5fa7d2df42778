"""The tab-separated text format both PostgreSQL ``COPY … FROM STDIN`` and MySQL ``LOAD DATA`` read
by default: ``\\N`` for null, backslash escapes for backslash, tab, newline and carriage return."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def copy_text(data: pa.Table) -> bytes:
    fields = [_field_text(column) for column in data.columns]
    lines = pc.binary_join_element_wise(*fields, "\t")
    return "".join(f"{line}\n" for line in lines.to_pylist()).encode("utf-8")


def _field_text(values: pa.ChunkedArray) -> pa.ChunkedArray:
    text = pc.cast(values, pa.string())  # timestamps render as 'YYYY-MM-DD HH:MM:SS'
    if pa.types.is_string(values.type):
        for raw, escaped in _ESCAPES:
            text = pc.replace_substring(text, raw, escaped)
    return pc.fill_null(text, "\\N")
