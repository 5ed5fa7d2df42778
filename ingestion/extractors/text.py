"""CSV files in the department's own encoding, read by DuckDB with bad rows kept, never dropped.

The dialect comes from the registry rather than DuckDB's sniffer: a file with a few malformed rows
is exactly the file on which sniffing guesses wrong. Every column lands as text; staging models
cast. Rows that cannot be parsed go to the rejects (file, line, error, the raw line).
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from blocklake.errors import SourceDataError
from blocklake.lake import new_duckdb
from ingestion.extractors.base import Extraction, ExtractRequest, Reject, register

# DuckDB's encodings extension knows GBK under its superset GB18030.
_DUCKDB_ENCODING = {"utf-8": "utf-8", "gbk": "gb18030", "gb18030": "gb18030"}
_PYTHON_ENCODING = {"utf-8": "utf-8-sig", "gbk": "gb18030", "gb18030": "gb18030"}
_SNIFF_BYTES = 1 << 20


@dataclass
class CsvExtraction(Extraction):
    files: list[Path] = field(init=False)
    columns: list[str] = field(init=False)
    con: duckdb.DuckDBPyConnection = field(init=False, repr=False)

    def __post_init__(self) -> None:
        source = self.request.source
        self.files = _matching_files(Path(self.request.location.target), self.request.table.object)
        for path in self.files:
            _check_encoding(path, source.encoding)
        self.columns = _header(self.files[0], source.encoding, source.delimiter, source.quote)
        # The encodings extension (ICU tables) takes ~2 s to load; UTF-8 needs none of it.
        needed = () if source.encoding == "utf-8" else ("encodings",)
        self.con = new_duckdb(self.request.settings, *needed)

    def reader(self) -> pa.RecordBatchReader:
        source = self.request.source
        columns = "{" + ", ".join(f"'{_lit(name)}': 'VARCHAR'" for name in self.columns) + "}"
        files = "[" + ", ".join(f"'{_lit(str(path))}'" for path in self.files) + "]"
        sql = (
            f"SELECT * FROM read_csv({files}, header = true, auto_detect = false, columns = {columns}, "
            f"delim = '{_lit(source.delimiter)}', quote = '{_lit(source.quote)}', escape = '{_lit(source.quote)}', "
            f"encoding = '{_DUCKDB_ENCODING[source.encoding]}', store_rejects = true, "
            f"rejects_table = 'reject_errors', rejects_scan = 'reject_scans', filename = '_source_file')"
        )
        return self.con.execute(sql).fetch_record_batch(self.request.settings.batch_rows)

    def finish(self) -> list[Reject]:
        rows = self.con.execute(
            "SELECT s.file_path, e.line, e.error_type || ': ' || e.error_message, e.csv_line "
            "FROM reject_errors e JOIN reject_scans s USING (scan_id, file_id) ORDER BY s.file_path, e.line"
        ).fetchall()
        # DuckDB reports one error per bad column; one reject per line is what a user needs.
        by_line: dict[tuple[str, int], Reject] = {}
        for file, line, error, raw in rows:
            by_line.setdefault((file, int(line)), Reject(file=file, line=int(line), error=error, raw=raw or ""))
        self.rejects = list(by_line.values())
        _fail_if_truncated(self.files, self.rejects)
        return self.rejects

    def close(self) -> None:
        self.con.close()


def _matching_files(folder: Path, pattern: str) -> list[Path]:
    files = sorted(folder.glob(pattern))
    if not files:
        raise SourceDataError(f"no file matches '{pattern}' in {folder}")
    for path in files:
        if path.stat().st_size == 0:
            raise SourceDataError(f"{path} is empty (0 bytes): the department's export did not complete")
    return files


def _check_encoding(path: Path, encoding: str) -> None:
    """Decode the head of the file so a wrong encoding fails loudly instead of rejecting every row."""
    decoder = codecs.getincrementaldecoder(_PYTHON_ENCODING[encoding])()
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    try:
        decoder.decode(head, final=len(head) < _SNIFF_BYTES)
    except UnicodeDecodeError as exc:
        hint = "gbk" if encoding == "utf-8" else "utf-8"
        raise SourceDataError(
            f"{path} is not {encoding} (byte 0x{head[exc.start]:02x} at offset {exc.start}); "
            f"if the department sends {hint.upper()}, set 'encoding: {hint}' on its source in the registry"
        ) from None


def _header(path: Path, encoding: str, delimiter: str, quote: str) -> list[str]:
    with path.open(encoding=_PYTHON_ENCODING[encoding], newline="") as handle:
        first = handle.readline()
    names = next(csv.reader(io.StringIO(first), delimiter=delimiter, quotechar=quote), [])
    names = [name.strip() for name in names]
    if not names or not any(names):
        raise SourceDataError(f"{path} has no header line")
    if len(set(names)) != len(names):
        raise SourceDataError(f"{path} has duplicate column names in its header: {names}")
    return names


def _fail_if_truncated(files: list[Path], rejects: list[Reject]) -> None:
    """A file cut off mid-write ends without a newline on a line that does not parse."""
    rejected = {(Path(r.file).name, r.line) for r in rejects}
    for path in files:
        with path.open("rb") as handle:
            line_count = sum(1 for _ in handle)
            handle.seek(-1, 2)
            ends_cleanly = handle.read(1) == b"\n"
        if not ends_cleanly and (path.name, line_count) in rejected:
            raise SourceDataError(
                f"{path} looks truncated: its last line ({line_count}) is incomplete and has no line end; "
                "ask the department to resend the file"
            )


def _lit(value: str) -> str:
    return value.replace("'", "''")


@register("csv")
def open_csv(request: ExtractRequest) -> Extraction:
    return CsvExtraction(request)
