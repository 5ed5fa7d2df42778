"""The catalog's web UI (政务数据资源目录): server-rendered Chinese pages over the same store and services as
the API. No JavaScript; charts are inline SVG (:mod:`catalog.web.charts`); one CSS file at ``/static/catalog.css``.

Include with :func:`install` (the router, plus an HTML 404 page for every path outside ``/api``), or just
``app.include_router(router)`` (then only the web's own 404s, e.g. an unknown resource, are HTML).

Login stores the department's API key in an HttpOnly, SameSite=Strict cookie (``blocklake_key``, Secure
when served over HTTPS). Cross-site request forgery: besides SameSite=Strict, every POST must carry an
``Origin`` (or, failing that, ``Referer``) whose host:port equals the request's ``Host``; anything else,
including neither header, is refused with 403. Behind a reverse proxy the proxy must pass ``Host`` through.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload
from starlette.exceptions import HTTPException as StarletteHTTPException

from blocklake.vocabulary import ITEM_TYPE_TITLES, SENSITIVE_TITLES, SHARE_TYPES
from catalog import db, sharing, stats
from catalog.api import directory
from catalog.api.deps import SESSION_COOKIE, ObjectId, SessionDep
from catalog.auth import PUBLIC, Principal, principal_for
from catalog.models import Application, Department, Resource, ResourceVersion
from catalog.web.charts import bar_chart, line_chart

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
CSS = (HERE / "static" / "catalog.css").read_bytes()
PAGE_SIZE = 20
BEIJING = timezone(timedelta(hours=8))
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

LAYERS = {"raw": "贴源层", "base": "基础层", "marts": "主题层"}
CLASSES = {"1": "基础信息资源", "2": "主题信息资源", "3": "部门信息资源"}
BLOCK_LEVELS = {"district": "区", "street": "街道", "community": "社区", "grid": "网格", "building": "楼栋",
                "unit": "单元"}
STATUSES = {"pending": "待审批", "approved": "已批准", "refused": "不予批准", "withdrawn": "已撤回"}
FACETS = {"share_type": "共享类型", "layer": "层", "provider": "提供部门", "classification": "分类"}
DONE = {"applied": "申请已提交。", "approved": "已批准该申请。", "refused": "已作出不予批准决定。",
        "corrected": "纠错已提交，提供部门将处理。"}

router = APIRouter(include_in_schema=False)


def install(app: FastAPI) -> None:
    """Add the web pages to ``app``, and answer unknown non-API paths with the Chinese 404 page."""
    app.include_router(router)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def web_principal(request: Request, session: SessionDep) -> Principal:
    """Who is browsing: from the session cookie only; an unknown, revoked or expired key browses as public."""
    return principal_for(session, request.cookies.get(SESSION_COOKIE)) or PUBLIC


WhoDep = Annotated[Principal, Depends(web_principal)]
FormStr = Annotated[str, Form()]


# Directory ------------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def directory_page(request: Request, session: SessionDep, who: WhoDep, q: str = "", share_type: str = "",
                   layer: str = "", provider: str = "", classification: str = "", page: str = "1") -> Response:
    filters = {"q": q.strip()[:100], "share_type": share_type[:16], "layer": layer[:16], "provider": provider[:64],
               "classification": classification[:32]}
    number = max(_int(page, 1), 1)
    found = directory.find(session=session, q=filters["q"], share_type=filters["share_type"] or None,
                           layer=filters["layer"] or None, provider=filters["provider"] or None,
                           classification=filters["classification"] or None, limit=PAGE_SIZE,
                           offset=(number - 1) * PAGE_SIZE)
    names = dict(session.execute(select(Department.code, Department.name)).all())
    labels = {"share_type": {}, "layer": LAYERS, "provider": names, "classification": CLASSES}
    facets = [
        {"title": title, "options": [
            {"label": labels[name].get(value, value), "count": count, "active": filters[name] == value,
             "url": _url("/", filters, **{name: "" if filters[name] == value else value})}
            for value, count in sorted(found.facets.get(name, {}).items(), key=lambda kv: (-kv[1], kv[0]))]}
        for name, title in FACETS.items()]
    active = [{"label": f"{FACETS[name]}：{labels[name].get(value, value)}", "url": _url("/", filters, **{name: ""})}
              for name, value in filters.items() if name != "q" and value]
    pages = max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(request, "directory.html", who, title="资源目录", found=found, filters=filters, facets=facets,
                  active=active, page=number, pages=pages,
                  previous=_url("/", filters, page=str(number - 1)) if number > 1 else None,
                  next=_url("/", filters, page=str(number + 1)) if number < pages else None)


@router.get("/resources/{code:path}", response_class=HTMLResponse)
def resource_page(request: Request, session: SessionDep, who: WhoDep, code: str) -> Response:
    resource = _load_resource(session, code)
    if resource is None:
        return not_found(request, who, f"资源目录中没有代码为 {code} 的资源。")
    done = request.query_params.get("done")
    return _resource_view(request, session, who, resource, message=DONE.get(done) if done == "corrected" else None)


def _load_resource(session: Session, code: str, *, active_only: bool = False) -> Resource | None:
    query = select(Resource).where(Resource.code == code).options(selectinload(Resource.items),
                                                                  selectinload(Resource.provider))
    if active_only:
        query = query.where(Resource.active)
    return session.scalar(query)


def _resource_view(request: Request, session: Session, who: Principal, resource: Resource, *, status: int = 200,
                   error: str | None = None, message: str | None = None, form: dict | None = None) -> Response:
    versions = session.scalars(select(ResourceVersion).where(ResourceVersion.resource_id == resource.id)
                               .order_by(ResourceVersion.snapshot_id.desc()).limit(20)).all()
    upstream = {key: (code, name) for key, code, name in session.execute(
        select(Resource.source_key, Resource.code, Resource.name)
        .where(Resource.source_key.in_(resource.upstream or [])))}
    related = dict(session.execute(select(Resource.code, Resource.name)
                                   .where(Resource.code.in_(resource.related_codes or []))).all())
    department = who.department if who.role != "public" else None
    mine = []
    if department is not None:
        mine = session.scalars(select(Application).where(Application.resource_id == resource.id,
                                                         Application.consumer_id == department.id)
                               .order_by(Application.id.desc()).limit(10)).all()
    can_apply = (department is not None and department.id != resource.provider_id and resource.active
                 and resource.share_type != "不予共享")
    return render(request, "resource.html", who, status=status, title=resource.name, resource=resource,
                  versions=versions, upstream=upstream, related=related, mine=mine, can_apply=can_apply,
                  can_correct=department is not None and resource.active, error=error, message=message,
                  form=form or {"items": [], "purpose": "", "scenario": "", "period_start": "", "period_end": "",
                                "description": ""})


# Login ----------------------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, who: WhoDep, next: str = "/") -> Response:
    return render(request, "login.html", who, title="登录", next=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, key: FormStr = "", next: FormStr = "/") -> Response:
    if refused := _cross_site(request):
        return refused
    key = key.strip()
    principal = principal_for(session, key) if key else None
    if principal is None or principal.role == "public":
        return render(request, "login.html", PUBLIC, status=401, title="登录", next=_safe_next(next),
                      error="密钥无效、已吊销或已过期。")
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, key, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        path="/")
    return response


@router.get("/logout", response_class=HTMLResponse)
def logout_page(request: Request, who: WhoDep) -> Response:
    return render(request, "logout.html", who, title="退出登录")


@router.post("/logout")
def logout(request: Request) -> Response:
    if refused := _cross_site(request):
        return refused
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


# Applications ---------------------------------------------------------------------------------------------


@router.get("/applications", response_class=HTMLResponse)
def applications_page(request: Request, session: SessionDep, who: WhoDep) -> Response:
    if who.role == "public":
        return _to_login("/applications")
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


def _posted_resource(request: Request, session: Session, who: Principal, resource_code: str) -> Resource | Response:
    """The resource a department's form posts about, or the page to answer with instead (a cross-site
    post refused, the public sent to log in, an unknown code)."""
    if refused := _cross_site(request):
        return refused
    if who.role == "public":
        return _to_login(f"/resources/{resource_code}" if resource_code else "/")
    resource = _load_resource(session, resource_code, active_only=True)
    if resource is None:
        return not_found(request, who, f"资源目录中没有代码为 {resource_code} 的资源。")
    return resource


@router.post("/applications", response_class=HTMLResponse)
def apply(request: Request, session: SessionDep, who: WhoDep, resource_code: FormStr = "",
          items: Annotated[list[str] | None, Form()] = None, purpose: FormStr = "", scenario: FormStr = "",
          period_start: FormStr = "", period_end: FormStr = "") -> Response:
    resource = _posted_resource(request, session, who, resource_code)
    if isinstance(resource, Response):
        return resource
    form = {"items": items or [], "purpose": purpose, "scenario": scenario, "period_start": period_start,
            "period_end": period_end, "description": ""}
    try:
        request_ = sharing.ApplicationRequest(items or [], purpose.strip(), scenario.strip(),
                                              _date(period_start, "开始日期"), _date(period_end, "结束日期"))
        application = sharing.apply(session, resource, who.department, request_)
        session.commit()  # before the redirect, so the next page (another request) sees it
    except sharing.SharingError as exc:
        session.rollback()
        resource = _load_resource(session, resource_code)
        return _resource_view(request, session, who, resource, status=exc.status, error=str(exc), form=form)
    done = "approved" if application.status == "approved" else "applied"
    return RedirectResponse(f"/applications?done={done}", status_code=303)


@router.post("/applications/{application_id}/decide", response_class=HTMLResponse)
def decide(request: Request, session: SessionDep, who: WhoDep, application_id: ObjectId, decision: FormStr = "",
           reason: FormStr = "") -> Response:
    if refused := _cross_site(request):
        return refused
    if who.role == "public":
        return _to_login("/applications")
    found = session.get(Application, application_id)
    if found is None or not (who.is_admin or who.department.id in (found.consumer_id, found.resource.provider_id)):
        return not_found(request, who, f"没有编号为 {application_id} 的申请。")
    try:
        if decision not in ("approve", "refuse"):
            raise sharing.SharingError("请选择批准或不予批准")
        sharing.decide(session, found, who.department, approve=decision == "approve", reason=reason.strip() or None)
        session.commit()
    except sharing.SharingError as exc:
        session.rollback()
        return _applications_view(request, session, who, status=exc.status, error=str(exc))
    return RedirectResponse(f"/applications?done={'approved' if decision == 'approve' else 'refused'}",
                            status_code=303)


@router.post("/corrections", response_class=HTMLResponse)
def correct(request: Request, session: SessionDep, who: WhoDep, resource_code: FormStr = "",
            description: FormStr = "") -> Response:
    resource = _posted_resource(request, session, who, resource_code)
    if isinstance(resource, Response):
        return resource
    try:
        sharing.file_correction(session, resource, who.department, description.strip()[:4000])
        session.commit()
    except sharing.SharingError as exc:
        session.rollback()
        resource = _load_resource(session, resource_code)
        return _resource_view(request, session, who, resource, status=exc.status, error=str(exc),
                              form={"items": [], "purpose": "", "scenario": "", "period_start": "", "period_end": "",
                                    "description": description})
    return RedirectResponse(_url(f"/resources/{resource.code}", {}, done="corrected"), status_code=303)


# Statistics -----------------------------------------------------------------------------------------------


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, session: SessionDep, who: WhoDep) -> Response:
    if who.role == "public":
        return _to_login("/stats")
    figures = stats.current(session)
    total = figures["all"].get("*", stats.Figures())
    names = dict(session.execute(select(Department.code, Department.name)).all())
    departments = sorted(figures["department"].items(), key=lambda kv: (-kv[1].records, kv[0]))
    classes = sorted(figures["classification"].items())
    levels = sorted(figures["block_level"].items(), key=lambda kv: (list(BLOCK_LEVELS).index(kv[0])
                                                                    if kv[0] in BLOCK_LEVELS else 99, kv[0]))
    trend = [(row.day.isoformat(), None if row.sharing_rate is None else row.sharing_rate * 100)
             for row in stats.history(session, "all", "*", 90)]
    street_names = stats.street_names(session)
    streets = [(street_names.get(code) or code, entry) for code, entry in sorted(figures["street"].items())]
    today = datetime.now(UTC).date().isoformat()
    if total.sharing_rate is not None and (not trend or trend[-1][0] != today):
        trend.append((today, total.sharing_rate * 100))  # today's live figure, until record_day stores it
    percent = lambda value: f"{value:.0f}%" if value in (0, 25, 50, 75, 100) else f"{value:.1f}%"  # noqa: E731
    charts = {
        "departments": bar_chart([(names.get(code, code), entry.records) for code, entry in departments],
                                 title="各部门数据量（条）"),
        "classes": bar_chart([(CLASSES.get(key, key), entry.resources) for key, entry in classes],
                             title="各分类资源数（个）"),
        "trend": line_chart(trend, title="数据共享率（近 90 天）", y_max=100, value_format=percent),
        "streets": bar_chart([(name, entry.records) for name, entry in streets], title="各街道块数据量（条）"),
        "street_rates": bar_chart([(name, round((entry.sharing_rate or 0) * 100, 1)) for name, entry in streets],
                                  title="各街道块数据共享率（%）", value_format=lambda value: f"{value:.1f}%"),
    }
    return render(request, "stats.html", who, title="共享统计", total=total, totals=asdict(total), charts=charts,
                  departments=[(names.get(code, code), entry) for code, entry in departments],
                  classes=[(CLASSES.get(key, key), entry) for key, entry in classes],
                  levels=[(BLOCK_LEVELS.get(key, key), entry) for key, entry in levels], streets=streets)


# Static, errors, helpers ----------------------------------------------------------------------------------


@router.get("/static/catalog.css")
def stylesheet() -> Response:
    return Response(CSS, media_type="text/css; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"})


def render(request: Request, template: str, who: Principal, *, status: int = 200, **context) -> Response:
    response = TEMPLATES.TemplateResponse(request, template, {"who": who, **context}, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def not_found(request: Request, who: Principal, message: str = "您访问的页面不存在。") -> Response:
    return render(request, "error.html", who, status=404, title="页面不存在", heading="404 页面不存在",
                  message=message)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code != 404 or request.url.path == "/api" or request.url.path.startswith("/api/"):
        return await http_exception_handler(request, exc)
    who = await run_in_threadpool(_browsing_as, request)
    return not_found(request, who)


def _browsing_as(request: Request) -> Principal:
    with db.session(request.app.state.database_url) as session:
        who = principal_for(session, request.cookies.get(SESSION_COOKIE)) or PUBLIC
        if who.department is not None:
            _ = who.department.name  # loaded while the session is open
        return who


def _cross_site(request: Request) -> Response | None:
    """403 unless the POST's Origin (or Referer) names this host; see the module docstring."""
    host = request.headers.get("host", "").lower()
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    if host and source and urlsplit(source).netloc.lower() == host:
        return None
    return render(request, "error.html", PUBLIC, status=403, title="请求被拒绝", heading="403 请求被拒绝",
                  message="跨站提交的表单不予受理。请从本站页面重新提交。")


def _to_login(after: str) -> Response:
    return RedirectResponse(_url("/login", {}, next=after), status_code=303)


def _safe_next(target: str) -> str:
    """Only a path on this site: no scheme, no host, no ``//`` or backslash tricks."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or urlsplit(target).netloc:
        return "/"
    return target


def _url(path: str, params: dict[str, str], **changes: str) -> str:
    merged = {**params, **changes}
    query = urlencode({key: value for key, value in merged.items() if value and not (key == "page" and value == "1")})
    return f"{path}?{query}" if query else path


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except ValueError:
        return default


def _date(value: str, label: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise sharing.SharingError(f"{label}格式不正确（应为 年-月-日）") from None


def _datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,}"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


TEMPLATES.env.filters.update(when=_datetime, number=_number, rate=_rate, score=_score)
TEMPLATES.env.globals.update(LAYERS=LAYERS, CLASSES=CLASSES, STATUSES=STATUSES, SENSITIVE=SENSITIVE_TITLES,
                             TYPE_CODES=ITEM_TYPE_TITLES, BLOCK_LEVELS=BLOCK_LEVELS, SHARE_TYPES=SHARE_TYPES)
