"""What every page of the web UI shares: the templates and their labels, rendering with the security
headers, who is browsing (the session cookie), the cross-site check on every form, links and form values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from blocklake.vocabulary import (
    CLASSIFICATION_CLASSES,
    ITEM_TYPE_TITLES,
    SENSITIVE_TITLES,
    SHARE_TYPES,
    SHARING_METHOD_TITLES,
)
from catalog import feedback, sharing
from catalog.api.deps import SESSION_COOKIE, SessionDep
from catalog.auth import PUBLIC, Principal, principal_for_session

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
BEIJING = timezone(timedelta(hours=8))
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

LAYERS = {"raw": "贴源层", "base": "基础层", "marts": "主题层"}
CLASSES = CLASSIFICATION_CLASSES
BLOCK_LEVELS = {"district": "区", "street": "街道", "community": "社区", "grid": "网格", "building": "楼栋",
                "unit": "单元"}
STATUSES = {"pending": "待审批", "approved": "已批准", "refused": "不予批准", "withdrawn": "已撤回"}
DONE = {"applied": "申请已提交。", "approved": "已批准该申请。", "refused": "已作出不予批准决定。",
        "corrected": "纠错已提交，提供部门将处理。", "used": "使用情况已登记。", "rated": "评价已提交。"}


def web_principal(request: Request, session: SessionDep) -> Principal:
    """Who is browsing: from the session cookie only; an unknown, revoked or expired key browses as public."""
    return principal_for_session(session, request.cookies.get(SESSION_COOKIE)) or PUBLIC


WhoDep = Annotated[Principal, Depends(web_principal)]
FormStr = Annotated[str, Form()]


def render(request: Request, template: str, who: Principal, *, status: int = 200, **context) -> Response:
    response = TEMPLATES.TemplateResponse(request, template, {"who": who, **context}, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def not_found(request: Request, who: Principal, message: str = "您访问的页面不存在。") -> Response:
    return render(request, "error.html", who, status=404, title="页面不存在", heading="404 页面不存在",
                  message=message)


def cross_site(request: Request) -> Response | None:
    """403 unless the POST's Origin (or Referer) names this host (see :mod:`catalog.web`)."""
    host = request.headers.get("host", "").lower()
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    if host and source and urlsplit(source).netloc.lower() == host:
        return None
    return render(request, "error.html", PUBLIC, status=403, title="请求被拒绝", heading="403 请求被拒绝",
                  message="跨站提交的表单不予受理。请从本站页面重新提交。")


def to_login(after: str) -> Response:
    return RedirectResponse(page_url("/login", {}, next=after), status_code=303)


def safe_next(target: str) -> str:
    """Only a path on this site: no scheme, no host, no ``//`` or backslash tricks."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or urlsplit(target).netloc:
        return "/"
    return target


def page_url(path: str, params: dict[str, str], **changes: str) -> str:
    merged = {**params, **changes}
    query = urlencode({key: value for key, value in merged.items() if value and not (key == "page" and value == "1")})
    return f"{path}?{query}" if query else path


def parse_int(value: str, default: int) -> int:
    try:
        return int(value)
    except ValueError:
        return default


def parse_date(value: str, label: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise sharing.SharingError(f"{label}格式不正确（应为 年-月-日）") from None


def _when(value: datetime | None) -> str:
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


TEMPLATES.env.filters.update(when=_when, number=_number, rate=_rate, score=_score)
TEMPLATES.env.globals.update(RATING_COUNTS=feedback.COUNTS, LOW_SCORE=feedback.LOW_SCORE)
TEMPLATES.env.globals.update(LAYERS=LAYERS, CLASSES=CLASSES, STATUSES=STATUSES, SENSITIVE=SENSITIVE_TITLES,
                             SHARING_METHODS=SHARING_METHOD_TITLES,
                             TYPE_CODES=ITEM_TYPE_TITLES, BLOCK_LEVELS=BLOCK_LEVELS, SHARE_TYPES=SHARE_TYPES)
