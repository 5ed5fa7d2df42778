"""Verification (数据核验): a department's own keys checked against a resource it is granted — one call of
up to 1,000 keys, or a file of up to 100,000 answered by a file. The policy is the one of every path out
of the lake (:mod:`catalog.grants`); every call and each key checked is recorded
(:mod:`catalog.verification`)."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, HTTPException, Request, UploadFile
from fastapi.responses import Response
from pydantic_core import to_json
from sqlalchemy.orm import Session

from blocklake import masking
from blocklake.settings import get_settings
from catalog import db, grants, verification
from catalog.api import lakeconn
from catalog.api.deps import DepartmentDep, SessionDep, department_only, principal_of
from catalog.api.schemas import VerifyIn, VerifyOut
from catalog.api.services import active_resource, answer_of
from catalog.auth import Principal, key_is_valid
from catalog.verification_files import answers_csv, read_check_list

router = APIRouter(prefix="/api/verify", tags=["verification"])
# Grants of the departments calling, at most a second old: the API's verification path, under load, spent
# as long finding the caller's grant as answering its 100 keys.
RECENT = grants.RecentGrants(max_age_s=1.0)
MAX_FILE_BYTES = 20 * 2**20  # 100,000 rows of an ID, a name and a few columns of the consumer's own


@router.post("", response_model=VerifyOut, summary="Check keys the department holds (数据核验)",
             responses={401: {"description": "No key, or a key that is no good"}})
async def verify(body: VerifyIn, request: Request, x_api_key: Annotated[str | None, Header()] = None) -> Response:
    # A coroutine that blocks on purpose: the work is a few milliseconds of CPU and the store, which the
    # threadpool hops of sync dependencies cost as much again at 200 requests/s. The call is committed
    # as soon as it is recorded (the other worker waits for SQLite's write lock meanwhile), and before
    # the answer is returned, as get_session's is.
    with db.session(request.app.state.database_url) as session:
        who, grant = _asking(request, session, x_api_key, body.resource_code)
        checks = [verification.Check(check.key, check.claims) for check in body.checks]
        result = run(request, session, who, body.resource_code, body.key_item, checks, "single", grant)
        session.commit()
        # Serialised as VerifyOut documents it, without validating 1,000 answers again (the hot path;
        # Schemathesis holds the answers to the schema).
        answer = to_json({
            "resource_code": body.resource_code, "snapshot_id": result.snapshot_id, "key_item": result.key_item,
            "items": list(result.grant.items), "masked": sorted(result.grant.masks),
            "plain": list(result.grant.plain), "verification_id": result.verification_id,
            "summary": result.summary(),
            "answers": [{"key": a.key, "status": a.status, "found": a.found, "matches": a.matches,
                         "records": a.records} for a in result.answers]})
    return Response(answer, media_type="application/json")


@router.post("/batch", summary="Check a file of keys; the answers come back as CSV",
             response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def verify_file(request: Request, session: SessionDep, who: DepartmentDep,
                resource_code: Annotated[str, Form(max_length=64)], key_item: Annotated[str, Form(max_length=128)],
                file: Annotated[UploadFile, File(description="CSV (UTF-8 or GB18030) or XLSX with a header row")],
                ) -> Response:
    data = file.file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise HTTPException(413, f"the file is over {MAX_FILE_BYTES // 2**20} MiB; split it")
    resource = active_resource(session, resource_code)
    titles = {item.column_name: item.name for item in resource.items}
    checks = answer_of(lambda: read_check_list(data, file.filename or "", key_item, resource.items),
                       stales_figures=False)
    result = run(request, session, who, resource_code, key_item, checks.checks(), "batch")
    name = f"verification-{result.verification_id}.csv"
    return Response(answers_csv(checks, result, titles), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Verification-Id": str(result.verification_id)})


def _asking(request: Request, session: Session, x_api_key: str | None,
            resource_code: str) -> tuple[Principal, grants.Grant | None]:
    """Who asks, and their grant on the resource as it stood at most a second ago (:data:`RECENT`): the key
    itself is checked on every call, so a revoked one stops at once."""
    if x_api_key and key_is_valid(session.connection(), x_api_key):
        recent = (hashlib.sha256(x_api_key.encode()).digest(), resource_code)
        if (found := RECENT.get(recent)) is not None:
            return found
        who = department_only(principal_of(request, session, x_api_key))
        resource = active_resource(session, resource_code)
        grant = answer_of(lambda: verification.verifying_grant(session, who, resource), stales_figures=False)
        RECENT.put(recent, who, grant)
        return who, grant
    return department_only(principal_of(request, session, x_api_key)), None


def run(request: Request, session: Session, who: Principal, resource_code: str, key_item: str,
        checks: list[verification.Check], method: str, grant: grants.Grant | None = None) -> verification.Result:
    """Answer and record one verification; a refusal becomes the HTTP answer."""
    resource = grant.resource if grant is not None else active_resource(session, resource_code)
    # The figures' cache is not staled: verification calls count in them within its few seconds anyway.
    return answer_of(lambda: verification.verify(session, who, resource, key_item, checks,
                                                 lakeconn.key_indexes(request.app.state),
                                                 secret=masking.bureau_secret(get_settings()), method=method,
                                                 path=str(request.url.path), grant=grant), stales_figures=False)


