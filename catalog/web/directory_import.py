"""The bureau's directory import page (``/directory/import``, 目录导入): upload another platform's
directory file, confirm or edit the column mapping guessed from its headers and values and the defaults
for fields it lacks, see the dry run's report row by row, then import — and the list of what each
provider must still complete (待补全). The same import as ``blocklake directory import``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from blocklake.errors import BlocklakeError
from catalog.api.deps import SessionDep
from catalog.auth import Principal
from catalog.directory_import import completion, importing
from catalog.directory_import.guessing import FIELD_TITLES
from catalog.directory_import.importing import ImportReport
from catalog.directory_import.reading import read_table
from catalog.directory_import.rows import STATUS_TITLES
from catalog.directory_import.uploads import load_upload, save_upload
from catalog.web.pages import FormStr, WhoDep, cross_site, render, to_login

router = APIRouter(include_in_schema=False)
PATH = "/directory/import"
MAX_FILE_BYTES = 50 * 2**20
SHOWN_ROWS = 500  # rows of the report on the page
SHOWN_FIRST = ("refused", "pending", "imported")
# Fields the bureau may give a default for: those the guide requires that a file most often lacks.
DEFAULT_FIELDS = ("classification", "share_type", "share_method", "update_cycle", "open_type", "provider")


@router.get(PATH, response_class=HTMLResponse)
def import_page(request: Request, session: SessionDep, who: WhoDep) -> Response:
    return _refuse(request, who) or _view(request, session, who)


@router.post(PATH, response_class=HTMLResponse)
def upload(request: Request, session: SessionDep, who: WhoDep, platform: FormStr = "",
           file: Annotated[UploadFile | None, File()] = None) -> Response:
    if refused := cross_site(request) or _refuse(request, who):
        return refused
    data = file.file.read(MAX_FILE_BYTES + 1) if file is not None else b""
    if not data or len(data) > MAX_FILE_BYTES:
        return _view(request, session, who, status=400,
                     error=f"请选择目录文件（CSV、JSON 或 Excel，不超过 {MAX_FILE_BYTES // 2**20} MiB）")
    try:
        token = save_upload(data, file.filename or "")
        report = importing.import_directory(session, data, file.filename or "", platform=platform.strip() or None,
                                            dry_run=True)
    except BlocklakeError as exc:
        return _view(request, session, who, status=400, error=str(exc))
    return _view(request, session, who, token=token, report=report)


@router.post(f"{PATH}/run", response_class=HTMLResponse)
async def run(request: Request, session: SessionDep, who: WhoDep) -> Response:
    if refused := cross_site(request) or _refuse(request, who):
        return refused
    form = {key: str(value) for key, value in (await request.form()).items()}
    return await run_in_threadpool(_run, request, session, who, form)


def _run(request: Request, session: Session, who: Principal, form: dict[str, str]) -> Response:
    token, platform = form.get("token", ""), form.get("platform", "").strip() or None
    dry_run = form.get("action") != "import"
    try:
        data, name = load_upload(token)
        columns = {column: form.get(f"field_{index}", "") for index, column in
                   enumerate(read_table(data, name).columns)}
        defaults = {field: value for field in DEFAULT_FIELDS if (value := form.get(f"default_{field}", "").strip())}
        report = importing.import_directory(session, data, form.get("filename") or name, platform=platform,
                                            columns=columns, defaults=defaults, dry_run=dry_run, actor=who.actor)
        if form.get("save") and platform:
            importing.save_mapping(session, platform, report.every_column, report.defaults)
        session.commit()
    except BlocklakeError as exc:
        session.rollback()
        return _view(request, session, who, status=400, error=str(exc))
    return _view(request, session, who, token=token, report=report)


def _refuse(request: Request, who: Principal) -> Response | None:
    if who.role == "public":
        return to_login(PATH)
    if not who.is_admin:
        return render(request, "error.html", who, status=403, title="无权访问", heading="403 无权访问",
                      message="目录导入仅限数据管理局使用。")
    return None


def _view(request: Request, session: Session, who: Principal, *, status: int = 200, error: str | None = None,
          token: str = "", report: ImportReport | None = None) -> Response:
    rows = [row for row in report.rows if row.status != "imported" or row.notes] if report else []
    rows.sort(key=lambda row: list(SHOWN_FIRST).index(row.status))  # refused first: they are lost otherwise
    return render(request, "directory_import.html", who, status=status, title="目录导入", error=error, token=token,
                  report=report, rows=rows[:SHOWN_ROWS], more=max(0, len(rows) - SHOWN_ROWS),
                  fields=FIELD_TITLES, default_fields=DEFAULT_FIELDS, statuses=STATUS_TITLES,
                  owed=completion.to_complete(session))
