"""Read-only SQL for departments (and the bureau's admins) over the published tables they may read.

What a caller may read is what the access policy (:mod:`catalog.grants`) grants — the approved items of
its approved applications in force, personal ones masked, a street office's or community's own block
only — so the SQL endpoint, the data API and the exports cannot disagree. A query passes the
guard (:mod:`catalog.sqlguard`) first, then runs in a fresh locked DuckDB session
(:mod:`catalog.readonly`) holding views of only the tables it reads, with only the granted columns and
personal ones masked inside DuckDB. Every call, refused or not, is written to the call log.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, NoReturn

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from blocklake.published import ANALYST_LAYERS
from blocklake.settings import Settings, get_settings
from catalog import grants, readonly, sqlguard
from catalog.api.deps import DepartmentDep, SessionDep
from catalog.auth import Principal
from catalog.models import CallLog, Resource

router = APIRouter(prefix="/api", tags=["sql"])
PATH = "/api/sql"
# Each query opens its own DuckDB (views differ per caller); PLACES at once keep memory and the cores in check.
PLACES = 2
_PLACES = threading.BoundedSemaphore(PLACES)
_TURNS: dict[str, threading.BoundedSemaphore] = {}
_TURNS_LOCK = threading.Lock()


class SqlIn(BaseModel):
    query: str = Field(min_length=1, max_length=100_000, description="One SELECT over schema.table views.")
    limit: int = Field(1000, ge=1, le=10_000, description="Most rows to return (also capped by the server).")


class SqlOut(BaseModel):
    sql: str = Field(description="The query as run: qualified by the guard.")
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = Field(description="More rows than the limit matched.")
    snapshots: dict[str, int] = Field(description="Table -> the published snapshot read.")
    masked: dict[str, list[str]] = Field(description="Table -> its personal columns, shown masked.")
    elapsed_s: float


@router.post("/sql", response_model=SqlOut, summary="Read-only SQL over the published tables you may read")
def run_sql(body: SqlIn, session: SessionDep, who: DepartmentDep) -> SqlOut:
    granted = _published_grants(session, who)
    try:
        checked = sqlguard.check(body.query, {key: list(grant.items) for key, grant in granted.items()})
    except sqlguard.SqlRefused as exc:
        _refuse(session, who, 400, str(exc))
    try:
        access = {key: _access(granted[key]) for key in checked.tables}
    except grants.AccessError as exc:
        _refuse(session, who, 403, str(exc))
    settings = get_settings()
    limits = readonly.Limits(memory=settings.sql_memory_limit, threads=settings.sql_threads)
    try:
        with _turn(session, who, settings), readonly.session(settings, access, limits=limits) as analyst:
            result = analyst.run(checked.sql, limit=min(body.limit, settings.sql_max_rows),
                                 timeout_s=settings.sql_timeout_s, max_bytes=settings.sql_max_response_bytes)
            snapshots = dict(analyst.snapshots)
    except readonly.QueryTimeout as exc:
        _refuse(session, who, 408, str(exc))
    except readonly.QueryError as exc:
        _refuse(session, who, 400, f"the query failed: {exc}")
    _log(session, who, 200, [granted[key].resource for key in checked.tables], len(result.rows))
    return SqlOut(sql=checked.sql, columns=result.columns, rows=[list(row) for row in result.rows],
                  truncated=result.truncated, snapshots=snapshots, elapsed_s=round(result.elapsed_s, 4),
                  masked={key: sorted(access[key].masks) for key in checked.tables if access[key].masks})


@contextmanager
def _turn(session: Session, who: Principal, settings: Settings) -> Iterator[None]:
    """A place to run: at most ``sql_queries_per_department`` queries of one department at once (more are
    429, so one department cannot take every place), and at most :data:`PLACES` in all (a caller waits up
    to the time limit for one, then 503)."""
    mine = _department_turns(who.actor, settings.sql_queries_per_department)
    if not mine.acquire(blocking=False):
        _refuse(session, who, 429, f"{who.actor} already runs {settings.sql_queries_per_department} quer"
                                   f"{'y' if settings.sql_queries_per_department == 1 else 'ies'}; wait for "
                                   "it to finish", headers={"Retry-After": "5"})
    try:
        if not _PLACES.acquire(timeout=settings.sql_timeout_s):
            _refuse(session, who, 503, "every query place is busy; try again shortly", headers={"Retry-After": "5"})
        try:
            yield
        finally:
            _PLACES.release()
    finally:
        mine.release()


def _department_turns(actor: str, allowed: int) -> threading.BoundedSemaphore:
    with _TURNS_LOCK:
        return _TURNS.setdefault(actor, threading.BoundedSemaphore(allowed))


def _published_grants(session: Session, who: Principal) -> dict[str, grants.Grant]:
    """The caller's grants on published tables of the analyst layers; 403 when there are none."""
    granted = {key: grant for key, grant in grants.readable(session, who).items()
               if grant.items and grant.resource.published_snapshot is not None
               and key.split(".", 1)[0] in ANALYST_LAYERS}
    if not granted:
        _refuse(session, who, 403, f"{who.actor} has no approved application for a published resource; "
                                   "apply for one first (POST /api/applications)")
    return granted


def _access(grant: grants.Grant) -> readonly.TableAccess:
    """The view the policy grants: its items, each as the policy shows it, and its rows."""
    return readonly.TableAccess(grant.items, dict(grant.masks), grant.row_filter(), dict(grant.columns()))


def _refuse(session: Session, who: Principal, status: int, message: str,
            headers: dict[str, str] | None = None) -> NoReturn:
    # Committed here: the request's session rolls back when the HTTPException leaves the endpoint.
    _log(session, who, status, [], 0)
    session.commit()
    raise HTTPException(status, message, headers=headers)


def _log(session: Session, who: Principal, status: int, resources: list[Resource], rows: int) -> None:
    """One call-log row per resource read (the statistics count calls per resource), one row if none."""
    now = datetime.now(UTC)
    department_id = who.department.id if who.department else None
    for resource in resources or [None]:
        session.add(CallLog(at=now, department_id=department_id, resource_id=resource.id if resource else None,
                            path=PATH, status=status, rows=rows))
