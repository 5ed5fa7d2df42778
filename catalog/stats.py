"""The figures bureaus report, computed from the directory (which the lake keeps current), and kept as
one row per day and scope so trends can be plotted.

Record sharing rate = records in shared resources (无条件 + 有条件) ÷ all records in the directory.
Activity is counted for the provider of the resource concerned, up to the end of the day: applications
(all, approved), data API calls, verification calls (数据核验) and the keys they checked, usage records
(使用登记) and ratings (共享评价, every one filed). Per street, the same figures count the rows of block
resources (base and mart models with a block column) that lie in the street, so a street's rate says
how much of its block data is shared.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from blocklake.vocabulary import SHARED_TYPES
from catalog.models import (
    Application,
    CallLog,
    DailyStat,
    DataItem,
    Department,
    Rating,
    Resource,
    StreetCount,
    UsageRecord,
    Verification,
    listed,
)

SCOPES = ("all", "department", "classification", "block_level", "street")


@dataclass
class Figures:
    source_units: int = 0
    resources: int = 0
    data_items: int = 0
    records: int = 0
    shared_records: int = 0
    applications: int = 0
    approved_applications: int = 0
    api_calls: int = 0
    verification_calls: int = 0
    verified_keys: int = 0  # keys checked by those calls
    usage_records: int = 0
    ratings: int = 0

    @property
    def sharing_rate(self) -> float | None:
        return self.shared_records / self.records if self.records else None


def current(session: Session, day: date | None = None) -> dict[str, dict[str, Figures]]:
    """Figures by scope and key (``{"all": {"*": …}, "department": {"police": …}, …}``) as of ``day``."""
    until = datetime.combine((day or datetime.now(UTC).date()) + timedelta(days=1), time.min, tzinfo=UTC)
    figures: dict[str, dict[str, Figures]] = {scope: defaultdict(Figures) for scope in SCOPES}
    providers: dict[str, dict[str, set[int]]] = {scope: defaultdict(set) for scope in SCOPES}
    facts = {row.id: row for row in session.execute(_RESOURCE_FACTS)}
    for row in facts.values():
        records = row.record_count or 0
        for scope, key in _keys(row):
            entry = figures[scope][key]
            entry.resources += 1
            entry.data_items += row.items
            entry.records += records
            entry.shared_records += records if row.share_type in SHARED_TYPES else 0
            providers[scope][key].add(row.provider_id)
    _add_streets(session, figures, providers, facts)
    for scope, keys in providers.items():
        for key, ids in keys.items():
            figures[scope][key].source_units = len(ids)
    _add_activity(session, figures, facts, until)
    return {scope: dict(entries) for scope, entries in figures.items()}


# One row per active resource with what the figures need: one query, however large the directory.
_RESOURCE_FACTS = (
    select(Resource.id, Resource.provider_id, Department.code.label("provider_code"), Resource.classification,
           Resource.block_level, Resource.record_count, Resource.share_type,
           select(func.count(DataItem.id)).where(DataItem.resource_id == Resource.id).scalar_subquery().label("items"))
    .join(Department, Department.id == Resource.provider_id).where(listed())
)


def _add_streets(session: Session, figures: dict[str, dict[str, Figures]], providers: dict[str, dict[str, set[int]]],
                 facts: dict) -> None:
    for resource_id, street, records in session.execute(select(StreetCount.resource_id, StreetCount.street_code,
                                                               StreetCount.records)):
        if (row := facts.get(resource_id)) is None:
            continue
        entry = figures["street"][street]
        entry.resources += 1
        entry.data_items += row.items
        entry.records += records
        entry.shared_records += records if row.share_type in SHARED_TYPES else 0
        providers["street"][street].add(row.provider_id)


def street_names(session: Session) -> dict[str, str]:
    """Street code -> name, as the lake's street table had them at the last refresh."""
    return dict(session.execute(select(StreetCount.street_code, func.max(StreetCount.street_name))
                                .group_by(StreetCount.street_code)).all())


def record_day(session: Session, day: date | None = None) -> int:
    """Store (replace) the day's figures; returns the rows written."""
    day = day or datetime.now(UTC).date()
    session.execute(delete(DailyStat).where(DailyStat.day == day))
    rows = [DailyStat(day=day, scope=scope, key=key, sharing_rate=entry.sharing_rate, **asdict(entry))
            for scope, entries in current(session, day).items() for key, entry in entries.items()]
    session.add_all(rows)
    return len(rows)


def record_today() -> int:
    """:func:`record_day` in its own session (for the pipeline's refresh task)."""
    from catalog import db

    with db.session() as session:
        return record_day(session)


def history(session: Session, scope: str = "all", key: str = "*", days: int = 90) -> list[DailyStat]:
    since = datetime.now(UTC).date() - timedelta(days=days)
    return list(session.scalars(select(DailyStat).where(DailyStat.scope == scope, DailyStat.key == key,
                                                        DailyStat.day >= since).order_by(DailyStat.day)))


def _keys(resource) -> list[tuple[str, str]]:
    """The scopes a resource counts in; ``resource`` is a :data:`_RESOURCE_FACTS` row."""
    keys = [("all", "*"), ("department", resource.provider_code), ("classification", resource.classification[:1])]
    if resource.block_level:
        keys.append(("block_level", resource.block_level))
    return keys


def _add_activity(session: Session, figures: dict[str, dict[str, Figures]], facts: dict, until: datetime) -> None:
    """Applications (all, approved), API calls, verification calls and the keys they checked, usage records
    and ratings, counted for the provider of the resource concerned."""
    applications = session.execute(
        select(Application.resource_id, Application.status, func.count())
        .where(Application.submitted_at < until).group_by(Application.resource_id, Application.status))
    for resource_id, status, count in applications:
        for entry in _entries(figures, facts, resource_id):
            entry.applications += count
            entry.approved_applications += count if status == "approved" else 0
    verifications = session.execute(
        select(Verification.resource_id, func.count(), func.coalesce(func.sum(Verification.keys), 0))
        .where(Verification.at < until).group_by(Verification.resource_id))
    for resource_id, calls, keys in verifications:
        for entry in _entries(figures, facts, resource_id):
            entry.verification_calls += calls
            entry.verified_keys += int(keys)
    for table, field in ((CallLog, "api_calls"), (UsageRecord, "usage_records"), (Rating, "ratings")):
        _add_rows(session, figures, facts, until, table, field)


def _add_rows(session: Session, figures: dict[str, dict[str, Figures]], facts: dict, until: datetime,
              table: type[CallLog | UsageRecord | Rating], field: str) -> None:
    """Count ``table``'s rows before ``until`` into ``field``, per resource."""
    counts = session.execute(select(table.resource_id, func.count()).where(table.at < until)
                             .group_by(table.resource_id))
    for resource_id, count in counts:
        for entry in _entries(figures, facts, resource_id):
            setattr(entry, field, getattr(entry, field) + count)


def _entries(figures: dict[str, dict[str, Figures]], facts: dict, resource_id: int | None) -> list[Figures]:
    """The figures a resource's activity counts in (none for a resource no longer in the directory)."""
    row = facts.get(resource_id)
    return [] if row is None else [figures[scope][key] for scope, key in _keys(row)]
