"""The data API: rows of a resource's published version, for a department whose application for it is
approved and in force — what the access policy grants (:mod:`catalog.grants`): the approved items,
personal ones masked, a street office's or community's own block only. Every call is counted."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import select

from blocklake import lake
from catalog import grants
from catalog.api import lakeconn
from catalog.api.deps import DepartmentDep, Offset, SessionDep
from catalog.api.schemas import RowsOut
from catalog.models import CallLog, Resource, listed

router = APIRouter(prefix="/api/data", tags=["data"])


@router.get("/{code:path}", response_model=RowsOut, summary="Rows of a published resource (approved items)")
def rows(code: str, request: Request, session: SessionDep, who: DepartmentDep,
         limit: int = Query(100, ge=1, le=1000), offset: Offset = 0) -> RowsOut:
    resource = session.scalar(select(Resource).where(Resource.code == code, listed()))
    if resource is None:
        raise HTTPException(404, f"no resource {code}")
    grant = grants.grant_for(session, who, resource)
    if grant is None or not grant.items:
        raise HTTPException(403, f"no approved application of {who.actor} for {resource.code} in force today")
    if resource.published_snapshot is None:
        raise HTTPException(409, f"{code} has no published version yet")
    relation = f"{lake.LAKE}.{resource.source_key} AT (VERSION => {int(resource.published_snapshot)})"
    try:
        query = grant.select_sql(relation)
    except grants.AccessError as exc:
        raise HTTPException(403, str(exc)) from exc
    records = lakeconn.records(request.app.state, f"{query} LIMIT {limit} OFFSET {offset}")
    session.add(CallLog(at=datetime.now(UTC), department_id=who.department.id, resource_id=resource.id,
                        path=str(request.url.path), status=200, rows=len(records)))
    return RowsOut(resource_code=code, snapshot_id=resource.published_snapshot, items=list(grant.items),
                   masked=sorted(grant.masks), rows=records, offset=offset, limit=limit)
