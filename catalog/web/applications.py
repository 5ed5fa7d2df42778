"""Sharing by form: a department's applications and those it must decide (``/applications``), applying
for a resource, deciding an application, and reporting an error in a resource (纠错)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload

from catalog import sharing
from catalog.api.deps import ObjectId, SessionDep
from catalog.auth import Principal
from catalog.models import Application, Resource
from catalog.web.directory import load_resource, resource_view
from catalog.web.pages import DONE, FormStr, WhoDep, cross_site, not_found, page_url, parse_date, render, to_login

router = APIRouter(include_in_schema=False)


@router.get("/applications", response_class=HTMLResponse)
def applications_page(request: Request, session: SessionDep, who: WhoDep) -> Response:
    if who.role == "public":
        return to_login("/applications")
    done = request.query_params.get("done")
    return _applications_view(request, session, who, message=DONE.get(done or ""))


def _applications_view(request: Request, session: Session, who: Principal, *, status: int = 200,
                       error: str | None = None, message: str | None = None) -> Response:
    department = who.department
    loading = (selectinload(Application.resource).selectinload(Resource.items),
               selectinload(Application.resource).selectinload(Resource.provider),
               selectinload(Application.consumer))
    submitted = session.scalars(select(Application).where(Application.consumer_id == department.id)
                                .options(*loading).order_by(Application.id.desc()).limit(200)).all()
    pending_first = case((Application.status == "pending", 0), else_=1)
    to_decide = session.scalars(select(Application).join(Application.resource)
                                .where(Resource.provider_id == department.id).options(*loading)
                                .order_by(pending_first, Application.id.desc()).limit(200)).all()
    today = datetime.now(UTC).date()
    return render(request, "applications.html", who, status=status, title="我的申请", submitted=submitted,
                  to_decide=to_decide, overdue={a.id for a in [*submitted, *to_decide] if sharing.is_overdue(a, today)},
                  error=error, message=message)


def posted_resource(request: Request, session: Session, who: Principal, resource_code: str) -> Resource | Response:
    """The resource a department's form posts about, or the page to answer with instead (a cross-site
    post refused, the public sent to log in, an unknown code)."""
    if refused := cross_site(request):
        return refused
    if who.role == "public":
        return to_login(f"/resources/{resource_code}" if resource_code else "/")
    resource = load_resource(session, resource_code, active_only=True)
    if resource is None:
        return not_found(request, who, f"资源目录中没有代码为 {resource_code} 的资源。")
    return resource


@router.post("/applications", response_class=HTMLResponse)
def apply(request: Request, session: SessionDep, who: WhoDep, resource_code: FormStr = "",
          items: Annotated[list[str] | None, Form()] = None, purpose: FormStr = "", scenario: FormStr = "",
          period_start: FormStr = "", period_end: FormStr = "", method: FormStr = "copy") -> Response:
    resource = posted_resource(request, session, who, resource_code)
    if isinstance(resource, Response):
        return resource
    form = {"items": items or [], "purpose": purpose, "scenario": scenario, "period_start": period_start,
            "period_end": period_end, "description": "", "method": method}
    try:
        request_ = sharing.ApplicationRequest(items or [], purpose.strip(), scenario.strip(),
                                              parse_date(period_start, "开始日期"), parse_date(period_end, "结束日期"),
                                              method)  # type: ignore[arg-type]  # checked by sharing.apply
        application = sharing.apply(session, resource, who.department, request_)
        session.commit()  # before the redirect, so the next page (another request) sees it
    except sharing.SharingError as exc:
        session.rollback()
        resource = load_resource(session, resource_code)
        return resource_view(request, session, who, resource, status=exc.status, error=str(exc), form=form)
    done = "approved" if application.status == "approved" else "applied"
    return RedirectResponse(f"/applications?done={done}", status_code=303)


@router.post("/applications/{application_id}/decide", response_class=HTMLResponse)
def decide(request: Request, session: SessionDep, who: WhoDep, application_id: ObjectId, decision: FormStr = "",
           reason: FormStr = "", plain_items: Annotated[list[str] | None, Form()] = None,
           legal_basis: FormStr = "") -> Response:
    if refused := cross_site(request):
        return refused
    if who.role == "public":
        return to_login("/applications")
    found = session.get(Application, application_id)
    if found is None or not (who.is_admin or who.department.id in (found.consumer_id, found.resource.provider_id)):
        return not_found(request, who, f"没有编号为 {application_id} 的申请。")
    try:
        if decision not in ("approve", "refuse"):
            raise sharing.SharingError("请选择批准或不予批准")
        plain = sharing.PlainGrant(tuple(plain_items), legal_basis) if plain_items else None
        sharing.decide(session, found, who.department, approve=decision == "approve", reason=reason.strip() or None,
                       plain=plain)
        session.commit()
    except sharing.SharingError as exc:
        session.rollback()
        return _applications_view(request, session, who, status=exc.status, error=str(exc))
    return RedirectResponse(f"/applications?done={'approved' if decision == 'approve' else 'refused'}",
                            status_code=303)


@router.post("/corrections", response_class=HTMLResponse)
def correct(request: Request, session: SessionDep, who: WhoDep, resource_code: FormStr = "",
            description: FormStr = "") -> Response:
    resource = posted_resource(request, session, who, resource_code)
    if isinstance(resource, Response):
        return resource
    try:
        sharing.file_correction(session, resource, who.department, description.strip()[:4000])
        session.commit()
    except sharing.SharingError as exc:
        session.rollback()
        resource = load_resource(session, resource_code)
        return resource_view(request, session, who, resource, status=exc.status, error=str(exc),
                              form={"items": [], "purpose": "", "scenario": "", "period_start": "", "period_end": "",
                                    "description": description})
    return RedirectResponse(page_url(f"/resources/{resource.code}", {}, done="corrected"), status_code=303)
