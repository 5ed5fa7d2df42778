"""Usage records and ratings by form, from a resource page: a department granted the resource records
what its data was used for (使用登记) and rates it (共享评价); the rules are :mod:`catalog.feedback`'s."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from catalog import feedback, sharing
from catalog.api.deps import SessionDep
from catalog.auth import Principal
from catalog.models import Resource
from catalog.web.applications import posted_resource
from catalog.web.directory import load_resource, resource_view
from catalog.web.pages import FormStr, WhoDep, page_url, parse_int

router = APIRouter(include_in_schema=False)
NO_SCORE = 0  # what an unchosen or unreadable score becomes: out of range, so refused with a message
OTHER_FORMS = {"items": [], "purpose": "", "scenario": "", "period_start": "", "period_end": "", "description": ""}


@router.post("/usage", response_class=HTMLResponse)
def record_usage(request: Request, session: SessionDep, who: WhoDep, resource_code: FormStr = "",
                 used_for: FormStr = "", outcome: FormStr = "", records_used: FormStr = "") -> Response:
    form = {"used_for": used_for, "outcome": outcome, "records_used": records_used}

    def record(resource: Resource) -> None:
        usage = feedback.Usage(used_for[:feedback.MAX_TEXT + 1], outcome[:feedback.MAX_TEXT + 1],
                               _records(records_used))
        feedback.record_usage(session, resource, who.department, usage)

    return _submit(request, session, who, resource_code, record, form, done="used")


@router.post("/ratings", response_class=HTMLResponse)
def rate(request: Request, session: SessionDep, who: WhoDep, resource_code: FormStr = "", accuracy: FormStr = "",
         timeliness: FormStr = "", completeness: FormStr = "", comment: FormStr = "") -> Response:
    form = {"accuracy": accuracy, "timeliness": timeliness, "completeness": completeness, "comment": comment}

    def rate_it(resource: Resource) -> None:
        scores = feedback.Scores(*(parse_int(value, NO_SCORE) for value in (accuracy, timeliness, completeness)))
        feedback.rate(session, resource, who.department, scores, comment[:feedback.MAX_COMMENT + 1])

    return _submit(request, session, who, resource_code, rate_it, form, done="rated")


def _submit(request: Request, session: Session, who: Principal, resource_code: str,
            action: Callable[[Resource], None], form: dict[str, str], *, done: str) -> Response:
    """Run ``action`` on the posted resource and go back to its page; a refusal is shown on the page, with
    what was entered kept in the form."""
    resource = posted_resource(request, session, who, resource_code)
    if isinstance(resource, Response):
        return resource
    try:
        action(resource)
        session.commit()  # before the redirect, so the next page (another request) sees it
    except sharing.SharingError as exc:
        session.rollback()
        resource = load_resource(session, resource_code)
        return resource_view(request, session, who, resource, status=exc.status, error=str(exc),
                             form={**OTHER_FORMS, **form})
    return RedirectResponse(page_url(f"/resources/{resource.code}", {}, done=done), status_code=303)


def _records(value: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise sharing.SharingError("使用数据量须为不小于 0 的整数") from None
