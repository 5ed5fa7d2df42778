"""Verification by form (``/verify``, 数据核验): a department picks a resource it is granted, the item its
list is keyed on and its list file, and sees how many of its keys were found, which were not and which
disagree — or downloads the answers as a file. The same service and policy as ``/api/verify/batch``."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from blocklake import masking
from blocklake.csv_cells import unquoted
from blocklake.settings import get_settings
from catalog import grants, verification
from catalog.api import lakeconn
from catalog.api.deps import SessionDep
from catalog.auth import Principal
from catalog.models import Resource
from catalog.sharing import SharingError
from catalog.verification_files import answers_csv, read_check_list
from catalog.web.directory import load_resource
from catalog.web.pages import FormStr, WhoDep, cross_site, render, to_login

router = APIRouter(include_in_schema=False)
MAX_FILE_BYTES = 20 * 2**20
SHOWN_DISAGREEMENTS = 500  # rows of the answer shown on the page; the file has them all


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request, session: SessionDep, who: WhoDep, resource: str = "") -> Response:
    if who.role == "public":
        return to_login(f"/verify?resource={resource}" if resource else "/verify")
    return _view(request, session, who, resource)


@router.post("/verify", response_class=HTMLResponse)
def verify_list(request: Request, session: SessionDep, who: WhoDep, resource_code: FormStr = "",
                key_item: FormStr = "", action: FormStr = "show",
                file: Annotated[UploadFile | None, File()] = None) -> Response:
    if refused := cross_site(request):
        return refused
    if who.role == "public":
        return to_login("/verify")
    resource = load_resource(session, resource_code, active_only=True)
    try:
        if resource is None:
            raise SharingError("请选择要核验的资源")
        data = file.file.read(MAX_FILE_BYTES + 1) if file is not None else b""
        if not data or len(data) > MAX_FILE_BYTES:
            raise SharingError(f"请选择核验文件（CSV 或 Excel，不超过 {MAX_FILE_BYTES // 2**20} MiB）")
        checks = read_check_list(data, file.filename or "", key_item, resource.items)
        result = verification.verify(session, who, resource, key_item, checks.checks(),
                                     lakeconn.key_indexes(request.app.state),
                                     secret=masking.bureau_secret(get_settings()), method="batch", path="/verify")
        session.commit()
    except SharingError as exc:
        session.rollback()
        return _view(request, session, who, resource_code, status=exc.status, error=str(exc))
    titles = {item.column_name: item.name for item in resource.items}
    answer = answers_csv(checks, result, titles)
    if action == "download":
        return Response(answer, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="verification-{result.verification_id}.csv"'})
    table = [[unquoted(cell) for cell in row] for row in csv.reader(io.StringIO(answer.decode("utf-8-sig")))]
    status_column = len(checks.header)
    disagreeing = [row for row in table[1:] if row[status_column] != verification.STATUS_TITLES["match"]]
    return _view(request, session, who, resource_code, result=result, header=table[0],
                 disagreeing=disagreeing[:SHOWN_DISAGREEMENTS], more=max(0, len(disagreeing) - SHOWN_DISAGREEMENTS),
                 filename=file.filename)


def _view(request: Request, session: Session, who: Principal, resource_code: str, *, status: int = 200,
          **context: object) -> Response:
    granted = grants.readable(session, who, use="verify")
    choices = sorted((grant.resource for grant in granted.values()), key=lambda r: r.code)
    chosen: Resource | None = next((r for r in choices if r.code == resource_code), None)
    keyed = [item for item in chosen.items if item.column_name in granted[chosen.source_key].items] if chosen else []
    return render(request, "verify.html", who, status=status, title="数据核验", choices=choices, chosen=chosen,
                  key_items=keyed, titles=verification.STATUS_TITLES, **context)
