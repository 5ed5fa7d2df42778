"""Usage records (使用登记) and ratings (共享评价): filed by a department that was granted the resource;
read by their department, the resource's provider and the bureau (:mod:`catalog.feedback`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import select

from catalog import feedback, sharing
from catalog.api import cache
from catalog.api.deps import DepartmentDep, SessionDep
from catalog.api.schemas import RatingIn, RatingOut, RatingSummaryOut, UsageIn, UsageOut
from catalog.models import Rating, Resource, UsageRecord

router = APIRouter(prefix="/api", tags=["feedback"])
T = TypeVar("T")
ResourceCode = Query(None, max_length=64, description="Only those of this resource")


@router.post("/usage", response_model=UsageOut, status_code=201, summary="Record what shared data was used for")
def record_usage(body: UsageIn, session: SessionDep, who: DepartmentDep) -> UsageOut:
    resource = _resource(session, body.resource_code)
    usage = feedback.Usage(body.used_for, body.outcome, body.records_used)
    return usage_out(_run(lambda: feedback.record_usage(session, resource, who.department, usage)))


@router.get("/usage", response_model=list[UsageOut], summary="Usage records: mine, and those about my resources")
def usage(session: SessionDep, who: DepartmentDep, resource_code: str | None = ResourceCode) -> list[UsageOut]:
    resource = _resource(session, resource_code) if resource_code else None
    return [usage_out(found) for found in feedback.visible_usage(session, who, resource=resource)]


@router.post("/ratings", response_model=RatingOut, status_code=201, summary="Rate a resource used (共享评价)")
def rate(body: RatingIn, session: SessionDep, who: DepartmentDep) -> RatingOut:
    resource = _resource(session, body.resource_code)
    scores = feedback.Scores(body.accuracy, body.timeliness, body.completeness)
    return rating_out(_run(lambda: feedback.rate(session, resource, who.department, scores, body.comment)))


@router.get("/ratings", response_model=list[RatingOut], summary="Ratings with comments: mine, and of my resources")
def ratings(session: SessionDep, who: DepartmentDep, resource_code: str | None = ResourceCode) -> list[RatingOut]:
    resource = _resource(session, resource_code) if resource_code else None
    return [rating_out(found) for found in feedback.visible_ratings(session, who, resource=resource)]


def summary_out(session: SessionDep, resource: Resource) -> RatingSummaryOut:
    found = feedback.summary(session, resource)
    return RatingSummaryOut(count=found.count, ratings=found.ratings, accuracy=found.accuracy,
                            timeliness=found.timeliness, completeness=found.completeness)


def usage_out(found: UsageRecord) -> UsageOut:
    return UsageOut.model_validate({
        **{column.key: getattr(found, column.key) for column in UsageRecord.__table__.columns},
        "resource_code": found.resource.code, "consumer": found.consumer.code})


def rating_out(found: Rating) -> RatingOut:
    return RatingOut.model_validate({
        **{column.key: getattr(found, column.key) for column in Rating.__table__.columns},
        "resource_code": found.resource.code, "consumer": found.consumer.code})


def _resource(session: SessionDep, code: str) -> Resource:
    found = session.scalar(select(Resource).where(Resource.code == code, Resource.active))
    if found is None:
        raise HTTPException(404, f"no resource {code}")
    return found


def _run(action: Callable[[], T]) -> T:
    """Run a feedback service; its refusal becomes the HTTP answer, its success stales the cached figures."""
    try:
        result = action()
    except sharing.SharingError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    cache.clear()
    return result
