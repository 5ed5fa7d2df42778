"""Importing a directory file: read it, map its columns (guessed, saved per platform, or given), read
each row, and — unless it is a dry run — register the rows. The command (``blocklake directory
import``) and the bureau's upload page both call :func:`import_directory`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from blocklake.errors import ConfigError
from catalog.directory_import.guessing import FIELD_TITLES, Guess, guess_mapping, mapping_of
from catalog.directory_import.providers import ProviderMatcher
from catalog.directory_import.reading import read_table
from catalog.directory_import.rows import RowOutcome, Status, read_row
from catalog.directory_import.writing import Writer, known_departments
from catalog.models import AuditLog, DirectoryMapping

PLATFORM_LENGTH = 64  # catalog.models.DirectoryMapping.platform, Resource.imported_from


@dataclass
class ImportReport:
    file: str
    platform: str | None
    guesses: list[Guess]
    columns: dict[str, str]  # the mapping used: the file's column -> our field
    defaults: dict[str, str]
    dry_run: bool
    rows: list[RowOutcome] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def every_column(self) -> dict[str, str]:
        """The mapping to save: every column's field, "" for the ones left out (so they stay left out)."""
        return {guess.column: guess.field or "" for guess in self.guesses}

    @property
    def counts(self) -> Counter[Status]:
        return Counter(row.status for row in self.rows)

    @property
    def import_share(self) -> float:
        """Rows imported, complete or 待补全, of all rows."""
        return (len(self.rows) - self.counts["refused"]) / len(self.rows) if self.rows else 0.0

    @property
    def refused(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.status == "refused"]


def check_mapping(columns: dict[str, str], defaults: dict[str, str]) -> None:
    for target in [*columns.values(), *defaults]:
        if target and target not in FIELD_TITLES:
            raise ConfigError(f"{target!r} is not a field of the directory; use one of {', '.join(FIELD_TITLES)}")


def saved_mapping(session: Session, platform: str | None) -> DirectoryMapping | None:
    if not platform:
        return None
    return session.scalar(select(DirectoryMapping).where(DirectoryMapping.platform == platform))


def save_mapping(session: Session, platform: str, columns: dict[str, str], defaults: dict[str, str]) -> None:
    """Remember a platform's confirmed mapping: its next file starts from it."""
    check_mapping(columns, defaults)
    if len(platform) > PLATFORM_LENGTH:
        raise ConfigError(f"platform name {platform[:80]!r} is longer than {PLATFORM_LENGTH} characters")
    saved = saved_mapping(session, platform) or DirectoryMapping(platform=platform)
    saved.columns, saved.defaults, saved.saved_at = dict(columns), dict(defaults), datetime.now(UTC)
    session.add(saved)


def import_directory(session: Session, data: bytes, name: str, *, platform: str | None = None,
                     columns: dict[str, str] | None = None, defaults: dict[str, str] | None = None,
                     dry_run: bool = False, actor: str = "system") -> ImportReport:
    """Import a directory file's rows. ``columns`` (the file's column -> our field, "" to ignore one) and
    ``defaults`` (field -> value for rows lacking it) override the platform's saved mapping, which
    overrides the guess. A dry run reads and reports every row and writes nothing."""
    table = read_table(data, name)
    saved = saved_mapping(session, platform)
    guesses = guess_mapping(table, saved.columns if saved else {}, columns)
    mapping = mapping_of(guesses)
    defaults = {**(saved.defaults if saved else {}), **(defaults or {})}
    check_mapping(mapping, defaults)
    report = ImportReport(name, platform, guesses, mapping, defaults, dry_run)
    providers = ProviderMatcher(known_departments(session))
    seen: dict[str, int] = {}
    for row in table.rows:
        outcome = read_row(row, mapping, defaults, providers)
        if outcome.code in seen and outcome.status != "refused":
            outcome.status, outcome.reason = "refused", f"与第 {seen[outcome.code]} 行是同一资源（代码 {outcome.code}）"
        elif outcome.code:
            seen[outcome.code] = row.number
        report.rows.append(outcome)
    if not dry_run:
        _write(session, report, actor)
    return report


def _write(session: Session, report: ImportReport, actor: str) -> None:
    writer = Writer(session, report.platform)
    for outcome in report.rows:
        if outcome.status != "refused":
            writer.write(outcome)
    report.created, report.updated = writer.created, writer.updated
    counts = report.counts
    session.add(AuditLog(at=datetime.now(UTC), actor=actor, action="import_directory", object_type="directory",
                         object_id=report.platform or "*",
                         detail={"file": report.file, "created": report.created, "updated": report.updated,
                                 "pending": counts["pending"], "refused": counts["refused"]}))
