"""Logging in and out: the department's API key, checked once, buys a login token (8 hours) kept in an
HttpOnly, SameSite=Strict cookie; logging out ends the login on the server, not only in the browser."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from catalog import auth
from catalog.api.deps import SESSION_COOKIE, SessionDep
from catalog.auth import PUBLIC
from catalog.web.pages import FormStr, WhoDep, cross_site, render, safe_next

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, who: WhoDep, next: str = "/") -> Response:
    return render(request, "login.html", who, title="登录", next=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, key: FormStr = "", next: FormStr = "/") -> Response:
    if refused := cross_site(request):
        return refused
    token = auth.start_web_session(session, key.strip()) if key.strip() else None
    if token is None:
        return render(request, "login.html", PUBLIC, status=401, title="登录", next=safe_next(next),
                      error="密钥无效、已吊销或已过期。")
    response = RedirectResponse(safe_next(next), status_code=303)
    # the browser keeps a login token that logging out ends, never the department's key
    response.set_cookie(SESSION_COOKIE, token, max_age=int(auth.SESSION_LIFETIME.total_seconds()), httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


@router.get("/logout", response_class=HTMLResponse)
def logout_page(request: Request, who: WhoDep) -> Response:
    return render(request, "logout.html", who, title="退出登录")


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    if refused := cross_site(request):
        return refused
    auth.end_web_session(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
