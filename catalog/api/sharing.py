"""Applications and corrections: departments only; each sees its own, as consumer or provider."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException
from sqlalchemy import or_, select

from catalog import sharing
from catalog.api.deps import DepartmentDep, ObjectId, SessionDep
from catalog.api.schemas import (
    ApplicationIn,
    ApplicationOut,
    CorrectionIn,
    CorrectionOut,
    DecisionIn,
    ResolutionIn,
)
from catalog.api.services import active_resource, answer_of
from catalog.auth import Principal
from catalog.models import Application, Correction, Resource

router = APIRouter(prefix="/api", tags=["sharing"])


@router.post("/applications", response_model=ApplicationOut, status_code=201, summary="Apply for a resource")
def apply(body: ApplicationIn, session: SessionDep, who: DepartmentDep) -> ApplicationOut:
    request = sharing.ApplicationRequest(body.items, body.purpose, body.scenario, body.period_start, body.period_end,
                                         body.method)
    return application_out(answer_of(lambda: sharing.apply(session, active_resource(session, body.resource_code),
                                                      who.department, request)))


@router.get("/applications", response_model=list[ApplicationOut], summary="My applications, both sides")
def applications(session: SessionDep, who: DepartmentDep, status: str | None = None) -> list[ApplicationOut]:
    query = select(Application).join(Application.resource).order_by(Application.id.desc())
    if not who.is_admin:
        query = query.where(or_(Application.consumer_id == who.department.id,
                                Resource.provider_id == who.department.id))
    if status:
        query = query.where(Application.status == status)
    return [application_out(a) for a in session.scalars(query.limit(500))]


@router.get("/applications/{application_id}", response_model=ApplicationOut)
def application(application_id: ObjectId, session: SessionDep, who: DepartmentDep) -> ApplicationOut:
    return application_out(_visible_application(session, application_id, who))


@router.post("/applications/{application_id}/approve", response_model=ApplicationOut)
def approve(application_id: ObjectId, body: DecisionIn, session: SessionDep, who: DepartmentDep) -> ApplicationOut:
    found = _visible_application(session, application_id, who)
    plain = sharing.PlainGrant(tuple(body.plain_items), body.legal_basis) if body.plain_items else None
    return application_out(answer_of(lambda: sharing.decide(session, found, who.department, approve=True,
                                                       reason=body.reason, plain=plain)))


@router.post("/applications/{application_id}/refuse", response_model=ApplicationOut)
def refuse(application_id: ObjectId, body: DecisionIn, session: SessionDep, who: DepartmentDep) -> ApplicationOut:
    found = _visible_application(session, application_id, who)
    return application_out(answer_of(lambda: sharing.decide(session, found, who.department, approve=False,
                                                       reason=body.reason)))


@router.post("/corrections", response_model=CorrectionOut, status_code=201, summary="Report an error (纠错)")
def correct(body: CorrectionIn, session: SessionDep, who: DepartmentDep) -> CorrectionOut:
    resource = active_resource(session, body.resource_code)
    return correction_out(answer_of(lambda: sharing.file_correction(session, resource, who.department,
                                                                    body.description)))


@router.get("/corrections", response_model=list[CorrectionOut])
def corrections(session: SessionDep, who: DepartmentDep) -> list[CorrectionOut]:
    query = select(Correction).join(Correction.resource).order_by(Correction.id.desc())
    if not who.is_admin:
        query = query.where(or_(Correction.reporter_id == who.department.id, Resource.provider_id == who.department.id))
    return [correction_out(c) for c in session.scalars(query.limit(500))]


@router.post("/corrections/{correction_id}/resolve", response_model=CorrectionOut)
def resolve(correction_id: ObjectId, body: ResolutionIn, session: SessionDep, who: DepartmentDep) -> CorrectionOut:
    found = session.get(Correction, correction_id)
    if found is None or not _sees(who, found.reporter_id, found.resource.provider_id):
        raise HTTPException(404, f"no correction {correction_id}")
    return correction_out(answer_of(lambda: sharing.resolve_correction(session, found, who.department,
                                                                  accepted=body.accepted, resolution=body.resolution)))


def application_out(found: Application) -> ApplicationOut:
    today = datetime.now(UTC).date()
    return ApplicationOut.model_validate({
        **{column.key: getattr(found, column.key) for column in Application.__table__.columns},
        "resource_code": found.resource.code, "consumer": found.consumer.code,
        "overdue": sharing.is_overdue(found, today)})


def correction_out(found: Correction) -> CorrectionOut:
    return CorrectionOut.model_validate({
        **{column.key: getattr(found, column.key) for column in Correction.__table__.columns},
        "resource_code": found.resource.code, "reporter": found.reporter.code})


def _visible_application(session: SessionDep, application_id: int, who: Principal) -> Application:
    """Another department's application is answered as missing: its existence is not ours to reveal."""
    found = session.get(Application, application_id)
    if found is None or not _sees(who, found.consumer_id, found.resource.provider_id):
        raise HTTPException(404, f"no application {application_id}")
    return found


def _sees(who: Principal, *department_ids: int) -> bool:
    return who.is_admin or who.department.id in department_ids
