"""The figures bureaus report, computed from the directory (which the lake keeps current), and kept as
one row per day and scope so trends can be plotted.

Record sharing rate = records in shared resources (无条件 + 有条件) ÷ all records in the directory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from catalog.models import Application, CallLog, DailyStat, Resource

SHARED = ("无条件共享", "有条件共享")
SCOPES = ("all", "department", "classification", "block_level")


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

    @property
    def sharing_rate(self) -> float | None:
        return self.shared_records / self.records if self.records else None


def current(session: Session, day: date | None = None) -> dict[str, dict[str, Figures]]:
    """Figures by scope and key (``{"all": {"*": …}, "department": {"police": …}, …}``) as of ``day``."""
    until = datetime.combine((day or datetime.now(UTC).date()) + timedelta(days=1), time.min, tzinfo=UTC)
    figures: dict[str, dict[str, Figures]] = {scope: defaultdict(Figures) for scope in SCOPES}
    providers: dict[str, dict[str, set[int]]] = {scope: defaultdict(set) for scope in SCOPES}
    for resource in session.scalars(select(Resource).where(Resource.active)):
        for scope, key in _keys(resource):
            entry = figures[scope][key]
            entry.resources += 1
            entry.data_items += len(resource.items)
            entry.records += resource.record_count or 0
            entry.shared_records += (resource.record_count or 0) if resource.share_type in SHARED else 0
            providers[scope][key].add(resource.provider_id)
    for scope, keys in providers.items():
        for key, ids in keys.items():
            figures[scope][key].source_units = len(ids)
    _add_activity(session, figures, until)
    return {scope: dict(entries) for scope, entries in figures.items()}


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


def _keys(resource: Resource) -> list[tuple[str, str]]:
    keys = [("all", "*"), ("department", resource.provider.code), ("classification", resource.classification[:1])]
    if resource.block_level:
        keys.append(("block_level", resource.block_level))
    return keys


def _add_activity(session: Session, figures: dict[str, dict[str, Figures]], until: datetime) -> None:
    """Applications (all, approved) and API calls, counted for the provider of the resource concerned."""
    rows = session.execute(
        select(Resource, Application.status, func.count())
        .join(Application, Application.resource_id == Resource.id)
        .where(Application.submitted_at < until).group_by(Resource.id, Application.status)
    ).all()
    for resource, status, count in rows:
        for scope, key in _keys(resource):
            figures[scope][key].applications += count
            figures[scope][key].approved_applications += count if status == "approved" else 0
    calls = session.execute(
        select(Resource, func.count()).join(CallLog, CallLog.resource_id == Resource.id)
        .where(CallLog.at < until).group_by(Resource.id)
    ).all()
    for resource, count in calls:
        for scope, key in _keys(resource):
            figures[scope][key].api_calls += count
