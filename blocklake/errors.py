"""Every error Blocklake raises on purpose is a subclass of :class:`BlocklakeError`.

Each message says what went wrong and what to do about it; errors about a file carry its path and
line so a user can jump straight to the bad input.

Each class also says whether trying again may help (``transient``): an unreachable source or lake
storage may answer on the next try; bad input, a bad setting or a missing package will not. Airflow
retries a failed task only when its failure is transient (:func:`is_transient`).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar


class BlocklakeError(Exception):
    """Base class of all Blocklake errors. Terminal unless a subclass says otherwise."""

    transient: ClassVar[bool] = False


def is_transient(exc: BaseException) -> bool:
    """Whether a retry may succeed. An error that is not ours (a driver's I/O error, a crash) is of unknown
    cause, so it is retried; ours say what they are."""
    return exc.transient if isinstance(exc, BlocklakeError) else True


class ConfigError(BlocklakeError):
    """A setting or a configuration file is invalid."""

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None):
        self.path = Path(path) if path is not None else None
        self.line = line
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(f"{where}{message}")


class MissingDependencyError(BlocklakeError):
    """A package or DuckDB extension Blocklake needs is not installed."""


class SourceError(BlocklakeError):
    """A department's source system could not be read."""


class SourceUnavailableError(SourceError):
    """The source could not be reached (after retries)."""

    transient = True


class SourceDataError(SourceError):
    """The source was reached but its content is unusable (encoding, truncation, missing sheet…)."""


class SchemaDriftError(BlocklakeError):
    """A source table changed its schema in a way the lake table cannot absorb."""


class LakeError(BlocklakeError):
    """The lake could not be opened or written."""

    transient = True  # its catalog or storage did not answer; a write that failed left nothing behind


class ExportError(BlocklakeError):
    """A bundle could not be built or delivered; nothing was delivered."""
