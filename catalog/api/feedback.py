"""Usage records (使用登记) and ratings (共享评价): filed by a department that was granted the resource;
read by their department, the resource's provider and the bureau (:mod:`catalog.feedback`)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from catalog import feedback
from catalog.api.deps import DepartmentDep, SessionDep
from catalog.api.schemas import RatingIn, RatingOut, RatingSummaryOut, UsageIn, UsageOut
from catalog.api.services import active_resource, answer_of
from catalog.models import Rating, Resource, UsageRecord

router = APIRouter(prefix="/api", tags=["feedback"])
ResourceCode = Query(None, max_length=64, description="Only those of this resource")


@router.post("/usage", response_model=UsageOut, status_code=201, summary="Record what shared data was used for")
def record_usage(body: UsageIn, session: SessionDep, who: DepartmentDep) -> UsageOut:
    resource = active_resource(session, body.resource_code)
    usage = feedback.Usage(body.used_for, body.outcome, body.records_used)
    return usage_out(answer_of(lambda: feedback.record_usage(session, resource, who.department, usage)))


@router.get("/usage", response_model=list[UsageOut], summary="Usage records: mine, and those about my resources")
def usage(session: SessionDep, who: DepartmentDep, resource_code: str | None = ResourceCode) -> list[UsageOut]:
    resource = active_resource(session, resource_code) if resource_code else None
    return [usage_out(found) for found in feedback.visible_usage(session, who, resource=resource)]


@router.post("/ratings", response_model=RatingOut, status_code=201, summary="Rate a resource used (共享评价)")
def rate(body: RatingIn, session: SessionDep, who: DepartmentDep) -> RatingOut:
    resource = active_resource(session, body.resource_code)
    scores = feedback.Scores(body.accuracy, body.timeliness, body.completeness)
    return rating_out(answer_of(lambda: feedback.rate(session, resource, who.department, scores, body.comment)))


@router.get("/ratings", response_model=list[RatingOut], summary="Ratings with comments: mine, and of my resources")
def ratings(session: SessionDep, who: DepartmentDep, resource_code: str | None = ResourceCode) -> list[RatingOut]:
    resource = active_resource(session, resource_code) if resource_code else None
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
