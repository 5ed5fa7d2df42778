"""Data requests (供需对接): departments ask for data the directory lacks, the bureau assigns a provider,
the provider answers. A department sees the requests it filed or must answer; the bureau sees all."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from catalog import requests
from catalog.api.deps import AdminDep, DepartmentDep, ObjectId, SessionDep
from catalog.api.schemas import AnswerIn, AssignIn, DataRequestIn, DataRequestOut
from catalog.api.services import answer_of
from catalog.auth import Principal
from catalog.models import DataRequest, Department

router = APIRouter(prefix="/api", tags=["requests"])
Status = Literal["filed", "assigned", "answered", "withdrawn"]


@router.post("/requests", response_model=DataRequestOut, status_code=201, summary="Ask for data the directory lacks")
def file(body: DataRequestIn, session: SessionDep, who: DepartmentDep) -> DataRequestOut:
    form = requests.RequestForm(body.title, body.purpose, body.items)
    return request_out(answer_of(lambda: requests.file(session, who.department, form)))


@router.get("/requests", response_model=list[DataRequestOut], summary="Requests I filed or must answer (all: admin)")
def listing(session: SessionDep, who: DepartmentDep, status: Status | None = None) -> list[DataRequestOut]:
    query = (select(DataRequest).options(selectinload(DataRequest.requester), selectinload(DataRequest.provider))
             .order_by(DataRequest.id.desc()))
    if not who.is_admin:
        query = query.where(or_(DataRequest.requester_id == who.department.id,
                                DataRequest.provider_id == who.department.id))
    if status:
        query = query.where(DataRequest.status == status)
    return [request_out(found) for found in session.scalars(query.limit(500))]


@router.get("/requests/{request_id}", response_model=DataRequestOut)
def one(request_id: ObjectId, session: SessionDep, who: DepartmentDep) -> DataRequestOut:
    return request_out(visible_request(session, request_id, who))


@router.post("/requests/{request_id}/assign", response_model=DataRequestOut, summary="Assign a provider (admin)")
def assign(request_id: ObjectId, body: AssignIn, session: SessionDep, who: AdminDep) -> DataRequestOut:
    found = visible_request(session, request_id, who)
    provider = session.scalar(select(Department).where(Department.code == body.provider_code))
    if provider is None:
        raise HTTPException(404, f"no department {body.provider_code}")
    return request_out(answer_of(lambda: requests.assign(session, found, provider, by=who.actor,
                                                         is_admin=who.is_admin)))


@router.post("/requests/{request_id}/answer", response_model=DataRequestOut, summary="Answer (assigned provider)")
def answer(request_id: ObjectId, body: AnswerIn, session: SessionDep, who: DepartmentDep) -> DataRequestOut:
    found = visible_request(session, request_id, who)
    return request_out(answer_of(lambda: requests.answer(session, found, who.department,
                                                    will_provide=body.answer == "will_provide",
                                                    provide_by=body.provide_by, text=body.text)))


@router.post("/requests/{request_id}/withdraw", response_model=DataRequestOut, summary="Withdraw (requester)")
def withdraw(request_id: ObjectId, session: SessionDep, who: DepartmentDep) -> DataRequestOut:
    found = visible_request(session, request_id, who)
    return request_out(answer_of(lambda: requests.withdraw(session, found, who.department)))


def request_out(found: DataRequest) -> DataRequestOut:
    return DataRequestOut.model_validate({
        **{column.key: getattr(found, column.key) for column in DataRequest.__table__.columns},
        "requester": found.requester.code, "provider": found.provider.code if found.provider else None,
        "overdue": requests.is_overdue(found, requests.today())})


def visible_request(session: Session, request_id: int, who: Principal) -> DataRequest:
    """Another department's request is answered as missing: its existence is not ours to reveal."""
    found = session.get(DataRequest, request_id)
    if found is None or not (who.is_admin or who.department.id in (found.requester_id, found.provider_id)):
        raise HTTPException(404, f"no data request {request_id}")
    return found
