"""The extractor contract: a request in, an :class:`Extraction` (an Arrow stream) out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from blocklake.registry import SourceSpec, TableSpec
from blocklake.settings import Settings
from ingestion.connections import Location


@dataclass(frozen=True)
class ExtractRequest:
    department: str
    source: SourceSpec
    table: TableSpec
    location: Location
    settings: Settings
    since: datetime | Any | None = None  # incremental: read rows whose cursor >= since


@dataclass(frozen=True)
class Reject:
    """A source row that could not be read, kept with where it came from."""

    file: str
    line: int
    error: str
    raw: str


@dataclass
class Extraction(ABC):
    """An open extraction. Read :meth:`reader` to the end, then :meth:`finish` for rejects."""

    request: ExtractRequest
    rejects: list[Reject] = field(default_factory=list)

    @abstractmethod
    def reader(self) -> pa.RecordBatchReader: ...

    def finish(self) -> list[Reject]:
        """Called after the stream is consumed; may raise if the input turned out unusable."""
        return self.rejects

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def __enter__(self) -> Extraction:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


ExtractorFactory = Callable[[ExtractRequest], Extraction]
EXTRACTORS: dict[str, ExtractorFactory] = {}


def register(*drivers: str) -> Callable[[ExtractorFactory], ExtractorFactory]:
    def decorate(factory: ExtractorFactory) -> ExtractorFactory:
        for driver in drivers:
            EXTRACTORS[driver] = factory
        return factory

    return decorate


def open_extraction(request: ExtractRequest) -> Extraction:
    return EXTRACTORS[request.location.driver](request)

