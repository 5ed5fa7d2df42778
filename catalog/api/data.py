"""The data API: rows of a resource's published version, for a department whose application for it
was approved — only the approved items, personal ones masked. Every call is counted."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import select

from blocklake import lake, masking
from blocklake.sql import identifier
from blocklake.vocabulary import LINEAGE_COLUMNS
from catalog import grants
from catalog.api.deps import DepartmentDep, Offset, SessionDep
from catalog.api.schemas import RowsOut
from catalog.models import CallLog, Resource

router = APIRouter(prefix="/api/data", tags=["data"])
_LAKE_LOCK = threading.Lock()


@router.get("/{code:path}", response_model=RowsOut, summary="Rows of a published resource (approved items)")
def rows(code: str, request: Request, session: SessionDep, who: DepartmentDep,
         limit: int = Query(100, ge=1, le=1000), offset: Offset = 0) -> RowsOut:
    resource = session.scalar(select(Resource).where(Resource.code == code, Resource.active))
    if resource is None:
        raise HTTPException(404, f"no resource {code}")
    items = _approved_items(session, resource, who)
    if resource.published_snapshot is None:
        raise HTTPException(409, f"{code} has no published version yet")
    masked = {item.column_name: item.sensitive for item in resource.items
              if item.column_name in items and item.sensitive}
    records = _read(request, resource, items, masked, limit, offset)
    session.add(CallLog(at=datetime.now(UTC), department_id=who.department.id, resource_id=resource.id,
                        path=str(request.url.path), status=200, rows=len(records)))
    return RowsOut(resource_code=code, snapshot_id=resource.published_snapshot, items=items, masked=sorted(masked),
                   rows=records, offset=offset, limit=limit)


def _approved_items(session: SessionDep, resource: Resource, who) -> list[str]:
    """The union of the items of the caller's approved applications for this resource (admin: all)."""
    grant = grants.grant_for(session, who, resource)
    if grant is None or not grant.items:
        raise HTTPException(403, f"no approved application of {who.actor} for {resource.code}")
    return list(grant.items)


def _read(request: Request, resource: Resource, items: list[str], masked: dict[str, str], limit: int,
          offset: int) -> list[dict]:
    """The rows, personal items masked by DuckDB: unmasked values never reach Python."""
    quoted = {item: identifier(item) for item in items if item not in LINEAGE_COLUMNS}
    columns = ", ".join(f"{masking.sql_mask(masked.get(item), column)} AS {column}" for item, column in quoted.items())
    relation = f"{lake.LAKE}.{resource.source_key} AT (VERSION => {int(resource.published_snapshot)})"
    with _LAKE_LOCK:  # one DuckDB connection per process; cursors are cheap, opening the lake is not
        state = request.app.state
        if getattr(state, "lake", None) is None:
            state.lake = lake.connect(read_only=True)
        cursor = state.lake.cursor()
    try:
        result = cursor.execute(f"SELECT {columns} FROM {relation} LIMIT {limit} OFFSET {offset}")
        names = [description[0] for description in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        cursor.close()

