"""The catalog's web UI (政务数据资源目录): server-rendered Chinese pages over the same store and services as
the API. No JavaScript; charts are inline SVG (:mod:`catalog.web.charts`); one CSS file at ``/static/catalog.css``.

Include with :func:`install` (the router, plus an HTML 404 page for every path outside ``/api``), or just
``app.include_router(router)`` (then only the web's own 404s, e.g. an unknown resource, are HTML).

Login checks the department's API key once and keeps a login token (8 hours; logging out ends it on the
server) in an HttpOnly, SameSite=Strict cookie (``blocklake_key``, Secure when served over HTTPS).
Cross-site request forgery: besides SameSite=Strict, every POST must carry an ``Origin`` (or, failing
that, ``Referer``) whose host:port equals the request's ``Host``; anything else,
including neither header, is refused with 403. Behind a reverse proxy the proxy must pass ``Host`` through.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from catalog import db
from catalog.api.deps import SESSION_COOKIE
from catalog.auth import PUBLIC, Principal, principal_for_session
from catalog.web import account, applications, directory, directory_import, feedback, statistics, verify
from catalog.web import requests as data_requests
from catalog.web.pages import HERE, not_found

CSS = (HERE / "static" / "catalog.css").read_bytes()
router = APIRouter(include_in_schema=False)
for pages in (directory, account, applications, statistics, feedback, verify, data_requests, directory_import):
    router.include_router(pages.router)


def install(app: FastAPI) -> None:
    """Add the web pages to ``app``, and answer unknown non-API paths with the Chinese 404 page."""
    app.include_router(router)
    app.add_exception_handler(StarletteHTTPException, _http_error)


@router.get("/static/catalog.css")
def stylesheet() -> Response:
    return Response(CSS, media_type="text/css; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"})


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code != 404 or request.url.path == "/api" or request.url.path.startswith("/api/"):
        return await http_exception_handler(request, exc)
    who = await run_in_threadpool(_browsing_as, request)
    return not_found(request, who)


def _browsing_as(request: Request) -> Principal:
    with db.session(request.app.state.database_url) as session:
        who = principal_for_session(session, request.cookies.get(SESSION_COOKIE)) or PUBLIC
        if who.department is not None:
            _ = who.department.name  # loaded while the session is open
        return who
