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
_SCAN_CHUNK_BYTES = 1 << 20


@dataclass
class CsvExtraction(Extraction):
    files: list[Path] = field(init=False)
    lines: dict[Path, LineScan] = field(init=False)
    columns: list[str] = field(init=False)
    con: duckdb.DuckDBPyConnection = field(init=False, repr=False)

    def __post_init__(self) -> None:
        source = self.request.source
        self.files = matching_files(Path(self.request.location.target), self.request.table.object)
        for path in self.files:
            _check_encoding(path, source.encoding)
        # Before anything reads a line whole: DuckDB silently drops a line longer than its buffer.
        self.lines = {path: scan_lines(path, self.request.settings.csv_max_line_bytes) for path in self.files}
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
            f"max_line_size = {self.request.settings.csv_max_line_bytes + 2}, "  # DuckDB counts the line end
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
        _fail_if_mislabelled(self.rejects, self.request.source.encoding)
        _fail_if_truncated(self.lines, self.rejects)
        return self.rejects

    def close(self) -> None:
        self.con.close()


def matching_files(folder: Path, pattern: str) -> list[Path]:
    files = sorted(folder.glob(pattern))
    if not files:
        raise SourceDataError(f"no file matches '{pattern}' in {folder}")
    for path in files:
        if path.stat().st_size == 0:
            raise SourceDataError(f"{path} is empty (0 bytes): the department's export did not complete; "
                                  "ask it to resend the file")
    return files


def _check_encoding(path: Path, encoding: str) -> None:
    """Decode the head of the file so a wrong encoding fails loudly instead of rejecting every row."""
    decoder = codecs.getincrementaldecoder(_PYTHON_ENCODING[encoding])()
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    try:
        decoder.decode(head, final=len(head) < _SNIFF_BYTES)
    except UnicodeDecodeError as exc:
        raise SourceDataError(
            f"{path} is not {encoding} (byte 0x{head[exc.start]:02x} at offset {exc.start}); {_encoding_hint(encoding)}"
        ) from None


def _fail_if_mislabelled(rejects: list[Reject], encoding: str) -> None:
    """A line DuckDB cannot decode means the file mixes encodings: refuse it rather than drop residents."""
    bad = next((r for r in rejects if r.error.startswith("INVALID ENCODING")), None)
    if bad is not None:
        raise SourceDataError(f"{bad.file} is not {encoding}: line {bad.line} is not valid {encoding}, though "
                              f"the start of the file was (mixed encodings); {_encoding_hint(encoding)}")


def _encoding_hint(encoding: str) -> str:
    hint = "gbk" if encoding == "utf-8" else "utf-8"
    return (f"if the department sends {hint.upper()}, set 'encoding: {hint}' on its source in the registry, "
            f"otherwise ask it to export the file again as {encoding.upper()}")


def _header(path: Path, encoding: str, delimiter: str, quote: str) -> list[str]:
    with path.open(encoding=_PYTHON_ENCODING[encoding], newline="") as handle:
        first = handle.readline()  # bounded: scan_lines has checked every line's length
    try:
        names = next(csv.reader(io.StringIO(first), delimiter=delimiter, quotechar=quote), [])
    except csv.Error as exc:  # e.g. a field over the csv module's 128 KiB limit
        raise SourceDataError(f"{path} has no usable header line ({exc}); ask the department to resend the file "
                              "with the column names on its first line") from None
    names = [name.strip() for name in names]
    if not names or not any(names):
        raise SourceDataError(f"{path} has no header line")
    if len(set(names)) != len(names):
        raise SourceDataError(f"{path} has duplicate column names in its header: {names}")
    return names


def _fail_if_truncated(lines: dict[Path, LineScan], rejects: list[Reject]) -> None:
    """A file cut off mid-write ends without a newline on a line that does not parse."""
    rejected = {(Path(r.file).name, r.line) for r in rejects}
    for path, scan in lines.items():
        if not scan.ends_with_newline and (path.name, scan.lines) in rejected:
            raise SourceDataError(
                f"{path} looks truncated: its last line ({scan.lines}) is incomplete and has no line end; "
                "ask the department to resend the file"
            )


@dataclass(frozen=True)
class LineScan:
    lines: int
    ends_with_newline: bool


def scan_lines(path: Path, max_line_bytes: int) -> LineScan:
    """Count lines in chunks no longer than the limit, refusing the file at the first line over it.

    A chunk no longer than the limit cannot hold a whole over-long line, so only the run of bytes
    since the last line end has to be tracked across chunks: memory stays at one chunk.
    """
    newlines, run, last = 0, 0, b""  # run: bytes of the current line so far
    with path.open("rb") as handle:
        while chunk := handle.read(min(max_line_bytes, _SCAN_CHUNK_BYTES)):
            first = chunk.find(b"\n")
            run += len(chunk) if first < 0 else first
            if run > max_line_bytes:
                raise _line_too_long(path, newlines + 1, max_line_bytes)
            if first >= 0:
                newlines += chunk.count(b"\n")
                run = len(chunk) - chunk.rfind(b"\n") - 1
            last = chunk[-1:]
    return LineScan(lines=newlines + (last not in (b"", b"\n")), ends_with_newline=last == b"\n")


def _line_too_long(path: Path, line: int, limit: int) -> SourceDataError:
    return SourceDataError(
        f"{path} line {line} is longer than {limit:,} bytes (BLOCKLAKE_CSV_MAX_LINE_BYTES): not a table's row, "
        "but a pasted blob, a binary file or a file without line ends. Ask the department to check and resend "
        "the file, or raise the limit if such lines are genuine"
    )


def _lit(value: str) -> str:
    return value.replace("'", "''")


@register("csv")
def open_csv(request: ExtractRequest) -> Extraction:
    return CsvExtraction(request)
