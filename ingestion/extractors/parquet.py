"""Parquet files a department delivers (exchange between platforms), read by DuckDB as they are typed.

Every file's footer is checked before a row is read: a file cut off in transfer has no footer, and
one whose footer survives but whose pages do not fails while it is read. Either way the load stops
naming the file, and nothing of it reaches the lake.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from blocklake.errors import SourceDataError
from blocklake.lake import new_duckdb
from ingestion.extractors.base import Extraction, ExtractRequest, register
from ingestion.extractors.text import matching_files

_RESEND = "it was cut off or damaged in transfer; ask the department to resend it"


@dataclass
class ParquetExtraction(Extraction):
    files: list[Path] = field(init=False)
    con: duckdb.DuckDBPyConnection = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.files = matching_files(Path(self.request.location.target), self.request.table.object)
        for path in self.files:
            _check_footer(path)
        self.con = new_duckdb(self.request.settings)

    def reader(self) -> pa.RecordBatchReader:
        files = "[" + ", ".join("'" + str(path).replace("'", "''") + "'" for path in self.files) + "]"
        try:  # DuckDB may read the first pages here already, or only as the stream is read
            # union_by_name: a later file may add a column; the lake's schema evolution takes it from there.
            result = self.con.execute(f"SELECT * FROM read_parquet({files}, union_by_name = true)")
            batches = result.fetch_record_batch(self.request.settings.batch_rows)
        except duckdb.Error as exc:
            raise self._unreadable(exc) from None
        return pa.RecordBatchReader.from_batches(batches.schema, self._named_errors(batches))

    def _named_errors(self, batches: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
        try:
            yield from batches
        except (duckdb.Error, pa.ArrowException, OSError) as exc:  # DuckDB's stream raises them as Arrow's
            raise self._unreadable(exc) from None

    def _unreadable(self, exc: BaseException) -> SourceDataError:
        names = ", ".join(path.name for path in self.files)
        return SourceDataError(f"a Parquet file of {self.request.department}.{self.request.table.name} ({names}) "
                               f"could not be read: {str(exc).splitlines()[0]}; {_RESEND}")

    def close(self) -> None:
        self.con.close()


def _check_footer(path: Path) -> None:
    try:
        metadata = pq.read_metadata(path)
    except (pa.ArrowException, OSError) as exc:
        raise SourceDataError(f"{path} is not a readable Parquet file ({exc}); {_RESEND}") from None
    if metadata.num_columns == 0:
        raise SourceDataError(f"{path} is a Parquet file without columns; {_RESEND}")


@register("parquet")
def open_parquet(request: ExtractRequest) -> Extraction:
    return ParquetExtraction(request)
