"""Usage records (使用登记) and ratings (共享评价): what a consuming department used shared data for, and
how it rates the data on accuracy, timeliness and completeness (1–5 each, with an optional comment).

Only a department that holds or held an approved application for the resource used its data, so only it
may record usage or rate it (:func:`has_used`); the period need not be in force, since a department may
judge data after its use has ended. Every record and rating is written to the audit log in the same
transaction.

Who sees what: the averages of a resource's ratings are public (they describe the resource, not a
department); a rating's comment and scores are seen by the department that rated, the resource's
provider and the bureau. Usage records likewise: their consumer, the provider, the bureau.

The averages count each department's latest rating of the resource once, so a department that rates
again changes its own vote instead of adding another; the statistics count every rating filed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session, joinedload

from catalog.auth import Principal
from catalog.models import Application, Department, Rating, Resource, UsageRecord
from catalog.sharing import NotAllowed, SharingError, audit

COUNTS = {"accuracy": "准确性", "timeliness": "及时性", "completeness": "完整性"}
SCORES = range(1, 6)
LOW_SCORE = 2  # a rating with any count at or below it is a low rating, for the bureau's attention
MAX_TEXT = 2000  # characters of what usage was for and what it achieved
MAX_COMMENT = 1000
MAX_RECORDS_USED = 10**15


@dataclass(frozen=True)
class Scores:
    accuracy: int
    timeliness: int
    completeness: int

    def check(self) -> None:
        for count, title in COUNTS.items():
            value = getattr(self, count)
            if isinstance(value, bool) or not isinstance(value, int) or value not in SCORES:
                raise SharingError(f"{title}评分须为 1 至 5 的整数")


@dataclass(frozen=True)
class Usage:
    used_for: str
    outcome: str = ""
    records_used: int | None = None


@dataclass(frozen=True)
class RatingSummary:
    """A resource's averages over each rating department's latest rating (None without ratings)."""

    count: int  # departments whose latest rating the averages count
    ratings: int  # every rating filed
    accuracy: float | None = None
    timeliness: float | None = None
    completeness: float | None = None

    @property
    def overall(self) -> float | None:
        values = [self.accuracy, self.timeliness, self.completeness]
        return None if None in values else sum(values) / len(values)


def has_used(session: Session, resource: Resource, department: Department | None) -> bool:
    """Whether ``department`` holds or held an approved application for ``resource``."""
    if department is None:
        return False
    return session.scalar(select(Application.id).where(
        Application.resource_id == resource.id, Application.consumer_id == department.id,
        Application.status == "approved").limit(1)) is not None


def record_usage(session: Session, resource: Resource, consumer: Department, usage: Usage,
                 *, now: datetime | None = None) -> UsageRecord:
    now = now or datetime.now(UTC)
    _check_user(session, resource, consumer, "登记使用情况")
    used_for, outcome = usage.used_for.strip(), usage.outcome.strip()
    if not used_for:
        raise SharingError("须说明数据用于何项业务")
    if len(used_for) > MAX_TEXT or len(outcome) > MAX_TEXT:
        raise SharingError(f"用途和成效各不超过 {MAX_TEXT} 字")
    if usage.records_used is not None and not 0 <= usage.records_used <= MAX_RECORDS_USED:
        raise SharingError("使用数据量须为不小于 0 的整数")
    record = UsageRecord(at=now, resource=resource, consumer=consumer, used_for=used_for, outcome=outcome,
                         records_used=usage.records_used)
    session.add(record)
    session.flush()
    audit(session, consumer.code, "record_usage", record, {"resource": resource.code}, now)
    return record


def rate(session: Session, resource: Resource, consumer: Department, scores: Scores, comment: str = "",
         *, now: datetime | None = None) -> Rating:
    now = now or datetime.now(UTC)
    _check_user(session, resource, consumer, "评价")
    scores.check()
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise SharingError(f"评价意见不超过 {MAX_COMMENT} 字")
    rating = Rating(at=now, resource=resource, consumer=consumer, accuracy=scores.accuracy,
                    timeliness=scores.timeliness, completeness=scores.completeness, comment=comment)
    session.add(rating)
    session.flush()
    audit(session, consumer.code, "rate", rating, {"resource": resource.code, "accuracy": scores.accuracy,
                                                   "timeliness": scores.timeliness,
                                                   "completeness": scores.completeness}, now)
    return rating


def summary(session: Session, resource: Resource) -> RatingSummary:
    """The public averages of ``resource``'s ratings."""
    latest = (select(func.max(Rating.id)).where(Rating.resource_id == resource.id)
              .group_by(Rating.consumer_id).scalar_subquery())
    count, accuracy, timeliness, completeness = session.execute(
        select(func.count(), func.avg(Rating.accuracy), func.avg(Rating.timeliness), func.avg(Rating.completeness))
        .where(Rating.id.in_(latest))).one()
    if not count:
        return RatingSummary(0, 0)
    filed = session.scalar(select(func.count()).select_from(Rating).where(Rating.resource_id == resource.id))
    return RatingSummary(count, filed or 0, float(accuracy), float(timeliness), float(completeness))


def visible_ratings(session: Session, who: Principal, *, resource: Resource | None = None,
                    limit: int = 500) -> list[Rating]:
    """The ratings ``who`` may read, newest first: its own, those of its resources; the bureau all."""
    query = select(Rating).join(Rating.resource).options(joinedload(Rating.consumer), joinedload(Rating.resource))
    return list(session.scalars(_visible(query, who, Rating.consumer_id, resource, Rating.resource_id)
                                .order_by(Rating.id.desc()).limit(limit)))


def visible_usage(session: Session, who: Principal, *, resource: Resource | None = None,
                  limit: int = 500) -> list[UsageRecord]:
    """The usage records ``who`` may read, newest first: its own, those about its resources; the bureau all."""
    query = (select(UsageRecord).join(UsageRecord.resource)
             .options(joinedload(UsageRecord.consumer), joinedload(UsageRecord.resource)))
    return list(session.scalars(_visible(query, who, UsageRecord.consumer_id, resource, UsageRecord.resource_id)
                                .order_by(UsageRecord.id.desc()).limit(limit)))


def low_ratings(session: Session, since: datetime, *, limit: int = 200) -> Sequence[Rating]:
    """Ratings since ``since`` with any count at or below :data:`LOW_SCORE`, newest first."""
    return session.scalars(
        select(Rating).where(Rating.at >= since, or_(Rating.accuracy <= LOW_SCORE, Rating.timeliness <= LOW_SCORE,
                                                     Rating.completeness <= LOW_SCORE))
        .options(joinedload(Rating.consumer), joinedload(Rating.resource).joinedload(Resource.provider))
        .order_by(Rating.id.desc()).limit(limit)).all()


def _visible(query, who: Principal, consumer_column, resource: Resource | None, resource_column):
    if resource is not None:
        query = query.where(resource_column == resource.id)
    if who.is_admin:
        return query
    if who.department is None:
        return query.where(false())
    return query.where(or_(consumer_column == who.department.id, Resource.provider_id == who.department.id))


def _check_user(session: Session, resource: Resource, consumer: Department, what: str) -> None:
    if not has_used(session, resource, consumer):
        raise NotAllowed(f"只有获批使用该资源的部门可以{what}（须有已批准的共享申请）")
