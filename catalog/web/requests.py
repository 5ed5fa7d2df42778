"""Data requests by form (数据需求, ``/requests``): a department asks for data the directory lacks and
sees the answer; the provider it was assigned to answers; the bureau's administrator assigns a provider."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload

from catalog import requests
from catalog.api.deps import ObjectId, SessionDep
from catalog.auth import Principal
from catalog.models import DataRequest, Department
from catalog.sharing import NotAllowed, SharingError
from catalog.web.pages import FormStr, WhoDep, cross_site, not_found, parse_date, render, to_login
from catalog.workdays import CalendarError

router = APIRouter(include_in_schema=False)

REQUEST_STATUSES = {"filed": "待分派", "assigned": "待答复", "answered": "已答复", "withdrawn": "已撤回"}
ANSWER_TITLES = {"will_provide": "将提供", "cannot": "无法提供"}
DONE = {"filed": "数据需求已提交，待数据管理局分派承接部门。", "assigned": "已分派承接部门。",
        "answered": "答复已提交。", "withdrawn": "数据需求已撤回。"}
EMPTY_FORM = {"title": "", "purpose": "", "items": ""}
ITEM_SEPARATORS = re.compile(r"[\n、，,；;]")
LOADING = (selectinload(DataRequest.requester), selectinload(DataRequest.provider))


@router.get("/requests", response_class=HTMLResponse)
def requests_page(request: Request, session: SessionDep, who: WhoDep) -> Response:
    if who.role == "public":
        return to_login("/requests")
    return _requests_view(request, session, who, message=DONE.get(request.query_params.get("done") or ""))


def _requests_view(request: Request, session: Session, who: Principal, *, status: int = 200,
                   error: str | None = None, message: str | None = None, form: dict | None = None) -> Response:
    mine = DataRequest.requester_id == who.department.id
    filed = session.scalars(select(DataRequest).where(mine).options(*LOADING)
                            .order_by(DataRequest.id.desc()).limit(200)).all()
    open_first = case((DataRequest.status == "assigned", 0), else_=1)
    to_answer = session.scalars(select(DataRequest).where(DataRequest.provider_id == who.department.id)
                                .options(*LOADING).order_by(open_first, DataRequest.id.desc()).limit(200)).all()
    everything, departments = [], []
    if who.is_admin:
        unassigned_first = case((DataRequest.status == "filed", 0), (DataRequest.status == "assigned", 1), else_=2)
        everything = session.scalars(select(DataRequest).options(*LOADING)
                                     .order_by(unassigned_first, DataRequest.id.desc()).limit(500)).all()
        departments = session.scalars(select(Department).order_by(Department.code)).all()
    today = requests.today()
    overdue = {r.id for r in [*filed, *to_answer, *everything] if requests.is_overdue(r, today)}
    return render(request, "requests.html", who, status=status, title="数据需求", filed=filed, to_answer=to_answer,
                  everything=everything, departments=departments, overdue=overdue, error=error, message=message,
                  form=form or EMPTY_FORM, REQUEST_STATUSES=REQUEST_STATUSES, ANSWER_TITLES=ANSWER_TITLES,
                  ANSWER_WORKING_DAYS=requests.ANSWER_WORKING_DAYS)


def _refused_or_public(request: Request, who: Principal) -> Response | None:
    """A cross-site post refused, or the public sent to log in; None for a department's own post."""
    if refused := cross_site(request):
        return refused
    return to_login("/requests") if who.role == "public" else None


def _visible(request: Request, session: Session, who: Principal, request_id: int) -> DataRequest | Response:
    """Another department's request is answered as missing, as the API does."""
    found = session.get(DataRequest, request_id)
    if found is None or not (who.is_admin or who.department.id in (found.requester_id, found.provider_id)):
        return not_found(request, who, f"没有编号为 {request_id} 的数据需求。")
    return found


def _done(request: Request, session: Session, who: Principal, step: Callable[[], object], done: str,
          form: dict | None = None) -> Response:
    """Run a step; redirect to the list when it is done, or show the list with the refusal."""
    try:
        step()
        session.commit()  # before the redirect, so the next page (another request) sees it
    except SharingError as exc:
        session.rollback()
        return _requests_view(request, session, who, status=exc.status, error=str(exc), form=form)
    except CalendarError as exc:  # the holiday calendar lacks the year a deadline falls in
        session.rollback()
        return _requests_view(request, session, who, status=503, error=str(exc), form=form)
    return RedirectResponse(f"/requests?done={done}", status_code=303)


@router.post("/requests", response_class=HTMLResponse)
def file(request: Request, session: SessionDep, who: WhoDep, title: FormStr = "", purpose: FormStr = "",
         items: FormStr = "") -> Response:
    if answered := _refused_or_public(request, who):
        return answered
    form = {"title": title, "purpose": purpose, "items": items}
    wanted = [item.strip() for item in ITEM_SEPARATORS.split(items) if item.strip()]

    def step() -> None:
        requests.file(session, who.department, requests.RequestForm(title, purpose, wanted))

    return _done(request, session, who, step, "filed", form)


@router.post("/requests/{request_id}/assign", response_class=HTMLResponse)
def assign(request: Request, session: SessionDep, who: WhoDep, request_id: ObjectId,
           provider_code: FormStr = "") -> Response:
    if answered := _refused_or_public(request, who):
        return answered
    if not who.is_admin:  # before looking the request up: its existence is not every department's to learn
        return _requests_view(request, session, who, status=NotAllowed.status, error="只有数据管理局可以分派数据需求")
    found = _visible(request, session, who, request_id)
    if isinstance(found, Response):
        return found
    provider = session.scalar(select(Department).where(Department.code == provider_code))

    def step() -> None:
        if provider is None:
            raise SharingError("请选择承接部门")
        requests.assign(session, found, provider, by=who.actor, is_admin=True)

    return _done(request, session, who, step, "assigned")


@router.post("/requests/{request_id}/answer", response_class=HTMLResponse)
def answer(request: Request, session: SessionDep, who: WhoDep, request_id: ObjectId, answer: FormStr = "",
           provide_by: FormStr = "", text: FormStr = "") -> Response:
    if answered := _refused_or_public(request, who):
        return answered
    found = _visible(request, session, who, request_id)
    if isinstance(found, Response):
        return found

    def step() -> None:
        if answer not in requests.ANSWERS:
            raise SharingError("请选择将提供或无法提供")
        will_provide = answer == "will_provide"
        requests.answer(session, found, who.department, will_provide=will_provide, text=text,
                        provide_by=parse_date(provide_by, "提供日期") if will_provide else None)

    return _done(request, session, who, step, "answered")


@router.post("/requests/{request_id}/withdraw", response_class=HTMLResponse)
def withdraw(request: Request, session: SessionDep, who: WhoDep, request_id: ObjectId) -> Response:
    if answered := _refused_or_public(request, who):
        return answered
    found = _visible(request, session, who, request_id)
    if isinstance(found, Response):
        return found
    return _done(request, session, who, lambda: requests.withdraw(session, found, who.department), "withdrawn")
