"""A delivered file's text encoding: check its head, and re-encode GBK files to UTF-8 before DuckDB reads them.

DuckDB's encodings extension decodes each read buffer (32 MB) on its own, so a double-byte character that a
buffer edge splits is refused as invalid or, for some encodings, silently read as another character
(duckdb/duckdb-encodings#19). We met it on the city scale's 57 MB GBK student file: valid GBK from end to
end, refused at the line that straddles byte 32,000,000. Python's incremental decoder carries a split
character over to the next chunk, and its strict decode finds the exact line of a byte foreign to the encoding.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from blocklake.errors import SourceDataError

# GB18030 is a superset of GBK (and of GB2312): a GBK file decodes the same under it.
PYTHON_CODEC = {"utf-8": "utf-8-sig", "gbk": "gb18030", "gb18030": "gb18030"}
SNIFF_BYTES = 1 << 20
CHUNK_BYTES = 1 << 20


def check_head(path: Path, encoding: str) -> None:
    """Decode the head of the file so a wrong encoding fails loudly instead of rejecting every row."""
    decoder = codecs.getincrementaldecoder(PYTHON_CODEC[encoding])()
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    try:
        decoder.decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError as exc:
        raise SourceDataError(
            f"{path} is not {encoding} (byte 0x{head[exc.start]:02x} at offset {exc.start}); {encoding_hint(encoding)}"
        ) from None


def to_utf8(path: Path, encoding: str, target: Path) -> None:
    """Write ``path``, in ``encoding``, to ``target`` as UTF-8, one chunk in memory at a time."""
    decoder = codecs.getincrementaldecoder(PYTHON_CODEC[encoding])()
    with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as out:
        try:
            while chunk := source.read(CHUNK_BYTES):
                out.write(decoder.decode(chunk))
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            raise mixed_encodings(path, first_bad_line(path, encoding), encoding) from None


def first_bad_line(path: Path, encoding: str) -> int:
    """The number of the first line that does not decode (0 if none); lines split at b"\\n", which no
    GBK or GB18030 character contains."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode(PYTHON_CODEC[encoding])
            except UnicodeDecodeError:
                return number
    return 0


def mixed_encodings(file: str | Path, line: int, encoding: str) -> SourceDataError:
    return SourceDataError(f"{file} is not {encoding}: line {line} is not valid {encoding}, though the start of "
                           f"the file was (mixed encodings); {encoding_hint(encoding)}")


def encoding_hint(encoding: str) -> str:
    hint = "gbk" if encoding == "utf-8" else "utf-8"
    return (f"if the department sends {hint.upper()}, set 'encoding: {hint}' on its source in the registry, "
            f"otherwise ask it to export the file again as {encoding.upper()}")
