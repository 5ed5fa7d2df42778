"""CSV files in the department's own encoding, read by DuckDB with bad rows kept, never dropped.

The dialect comes from the registry rather than DuckDB's sniffer: a file with a few malformed rows
is exactly the file on which sniffing guesses wrong. Every column lands as text; staging models
cast. Rows that cannot be parsed go to the rejects (file, line, error, the raw line). A GBK file is
re-encoded to UTF-8 first, in a private folder under the home's ``tmp`` (:mod:`.encodings` says why);
rejects and ``_source_file`` name the delivered file.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from blocklake.errors import SourceDataError
from blocklake.lake import new_duckdb
from blocklake.sql import literal
from blocklake.vocabulary import SOURCE_FILE_COLUMN
from ingestion.extractors.base import Extraction, ExtractRequest, Reject, register
from ingestion.extractors.encodings import PYTHON_CODEC, check_head, mixed_encodings, to_utf8

_SCAN_CHUNK_BYTES = 1 << 20


@dataclass
class CsvExtraction(Extraction):
    files: list[Path] = field(init=False)
    lines: dict[Path, LineScan] = field(init=False)
    columns: list[str] = field(init=False)
    con: duckdb.DuckDBPyConnection = field(init=False, repr=False)
    # What DuckDB reads: the delivered file, or its UTF-8 copy under ``transcoded``.
    readable: dict[Path, Path] = field(init=False, default_factory=dict)
    transcoded: Path | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        source = self.request.source
        self.files = matching_files(Path(self.request.location.target), self.request.table.object)
        for path in self.files:
            check_head(path, source.encoding)
        # Before anything reads a line whole: DuckDB silently drops a line longer than its buffer.
        self.lines = {path: scan_lines(path, self.request.settings.csv_max_line_bytes) for path in self.files}
        self.columns = _header(self.files[0], source.encoding, source.delimiter, source.quote)
        self.readable = self._utf8_files()
        self.con = new_duckdb(self.request.settings)

    def _utf8_files(self) -> dict[Path, Path]:
        if self.request.source.encoding == "utf-8":
            return {path: path for path in self.files}
        folder = self.request.settings.home / "tmp"
        folder.mkdir(parents=True, exist_ok=True)
        self.transcoded = Path(tempfile.mkdtemp(prefix="csv-utf8-", dir=folder))
        try:
            copies = {path: self.transcoded / f"{number}-{path.name}" for number, path in enumerate(self.files)}
            for path, copy in copies.items():
                to_utf8(path, self.request.source.encoding, copy)
        except BaseException:
            self.close()
            raise
        return copies

    def reader(self) -> pa.RecordBatchReader:
        source = self.request.source
        columns = "{" + ", ".join(f"{literal(name)}: 'VARCHAR'" for name in self.columns) + "}"
        files = "[" + ", ".join(f"{literal(str(path))}" for path in self.readable.values()) + "]"
        delivered = " ".join(f"WHEN {literal(str(copy))} THEN {literal(str(path))}"
                             for path, copy in self.readable.items() if copy != path)
        column = SOURCE_FILE_COLUMN
        select = f"* REPLACE (CASE {column} {delivered} END AS {column})" if delivered else "*"
        sql = (
            f"SELECT {select} FROM read_csv({files}, header = true, auto_detect = false, columns = {columns}, "
            f"delim = {literal(source.delimiter)}, quote = {literal(source.quote)}, escape = {literal(source.quote)}, "
            "encoding = 'utf-8', store_rejects = true, "
            f"max_line_size = {self.request.settings.csv_max_line_bytes + 2}, "  # DuckDB counts the line end
            f"rejects_table = 'reject_errors', rejects_scan = 'reject_scans', filename = {literal(SOURCE_FILE_COLUMN)})"
        )
        return self.con.execute(sql).fetch_record_batch(self.request.settings.batch_rows)

    def finish(self) -> list[Reject]:
        rows = self.con.execute(
            "SELECT s.file_path, e.line, e.error_type || ': ' || e.error_message, e.csv_line "
            "FROM reject_errors e JOIN reject_scans s USING (scan_id, file_id) ORDER BY s.file_path, e.line"
        ).fetchall()
        delivered = {str(copy): str(path) for path, copy in self.readable.items()}
        # DuckDB reports one error per bad column; one reject per line is what a user needs.
        by_line: dict[tuple[str, int], Reject] = {}
        for read, line, error, raw in rows:
            file = delivered.get(read, read)
            by_line.setdefault((file, int(line)), Reject(file=file, line=int(line), error=error, raw=raw or ""))
        self.rejects = list(by_line.values())
        _fail_if_mislabelled(self.rejects, self.request.source.encoding)
        _fail_if_truncated(self.lines, self.rejects)
        return self.rejects

    def close(self) -> None:
        if hasattr(self, "con"):
            self.con.close()
        if self.transcoded is not None:
            shutil.rmtree(self.transcoded, ignore_errors=True)


def matching_files(folder: Path, pattern: str) -> list[Path]:
    files = sorted(folder.glob(pattern))
    if not files:
        raise SourceDataError(f"no file matches '{pattern}' in {folder}")
    for path in files:
        if path.stat().st_size == 0:
            raise SourceDataError(f"{path} is empty (0 bytes): the department's export did not complete; "
                                  "ask it to resend the file")
    return files


def _fail_if_mislabelled(rejects: list[Reject], encoding: str) -> None:
    """A line DuckDB cannot decode means the file mixes encodings: refuse it rather than drop residents."""
    bad = next((r for r in rejects if r.error.startswith("INVALID ENCODING")), None)
    if bad is not None:
        raise mixed_encodings(bad.file, bad.line, encoding)


def _header(path: Path, encoding: str, delimiter: str, quote: str) -> list[str]:
    with path.open(encoding=PYTHON_CODEC[encoding], newline="") as handle:
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



@register("csv")
def open_csv(request: ExtractRequest) -> Extraction:
    return CsvExtraction(request)
