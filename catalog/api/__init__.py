"""The catalog's HTTP API (FastAPI; OpenAPI at ``/openapi.json``, docs at ``/docs``)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from catalog import db, web
from catalog.api import admin, cache, data, directory, feedback, hardening, sharing, sql, stats, verify
from catalog.api import ckan as ckan_api
from catalog.api import dcat as dcat_api
from catalog.api import requests as data_requests


def create_app(database_url: str | None = None, *, migrate: bool = True) -> FastAPI:
    """The app over the catalog store at ``database_url`` (default: from settings), migrated first."""
    url = database_url or db.database_url()
    if migrate:
        db.upgrade(url)
    app = FastAPI(title="Blocklake 政务数据资源目录", version="1.0",
                  description="资源目录、共享统计、共享申请与数据接口。部门以 X-API-Key 访问；公众只可查看目录。")
    app.state.database_url = url
    app.state.lake = None
    for module in (directory, sharing, stats, data, verify, sql, admin, feedback, data_requests):
        app.include_router(module.router)
    app.include_router(dcat_api.router)  # the directory for harvesters: DCAT-AP 3 and CKAN's Action API
    for prefix in ckan_api.PREFIXES:
        app.include_router(ckan_api.router, prefix=prefix, include_in_schema=prefix == ckan_api.PREFIXES[0])
    app.add_exception_handler(ckan_api.CkanError, ckan_api.error_answer)
    web.install(app)  # the Chinese web UI: directory, resource pages, applications, statistics
    app.add_middleware(cache.CachedGets, database_url=url)
    app.add_middleware(hardening.JsonBodyCheck)
    app.add_middleware(hardening.SecurityHeaders)  # outermost: every answer gets the headers, cached ones too
    app.add_exception_handler(RequestValidationError, hardening.validation_error)
    return app


def worker_app() -> FastAPI:
    """The app of one uvicorn worker process; :func:`catalog.server.serve` migrated the store already."""
    return create_app(migrate=False)
