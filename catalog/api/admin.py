"""The bureau's administration: API keys, the audit log, a directory refresh."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import select

from catalog import auth
from catalog.api.deps import AdminDep, ObjectId, SessionDep
from catalog.api.schemas import KeyIn, KeyOut
from catalog.models import ApiKey, AuditLog, Department
from catalog.sharing import audit

router = APIRouter(prefix="/api/admin", tags=["admin"])


@router.post("/keys", response_model=KeyOut, status_code=201, summary="Issue a key (shown once)")
def issue(body: KeyIn, session: SessionDep, who: AdminDep) -> KeyOut:
    department = session.scalar(select(Department).where(Department.code == body.department_code))
    if department is None:
        raise HTTPException(404, f"no department {body.department_code}")
    valid_for = timedelta(days=body.valid_days) if body.valid_days else None
    plain = auth.issue_key(session, department, role=body.role, label=body.label, valid_for=valid_for)
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == plain[:12]))
    audit(session, who.actor, "issue_key", key, {"department": department.code, "role": body.role})
    return KeyOut(id=key.id, key=plain, prefix=key.prefix, department_code=department.code, role=key.role)


@router.delete("/keys/{key_id}", status_code=204, summary="Revoke a key")
def revoke(key_id: ObjectId, session: SessionDep, who: AdminDep) -> None:
    if not auth.revoke(session, key_id):
        raise HTTPException(404, f"no active key {key_id}")
    audit(session, who.actor, "revoke_key", session.get(ApiKey, key_id), {})


@router.get("/audit", summary="The audit log, newest first")
def audit_log(session: SessionDep, _who: AdminDep, limit: int = Query(200, ge=1, le=1000)) -> list[dict]:
    rows = session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit))
    return [{"at": row.at, "actor": row.actor, "action": row.action, "object": f"{row.object_type}:{row.object_id}",
             "detail": row.detail} for row in rows]
