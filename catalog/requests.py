"""Data requests (供需对接): a department asks for data the directory does not have.

- filed: a department says what it wants, why, and which items (in its own words).
- assigned: the bureau's administrator names the provider that should answer; the provider has
  ``ANSWER_WORKING_DAYS`` working days (Chinese holidays and make-up workdays counted by
  :mod:`catalog.workdays`). Until it is answered, the bureau may assign it again (a new provider, a new
  deadline).
- answered: the provider will provide it by a date, or cannot, saying why.
- withdrawn: the requester took it back before it was answered.

An assigned request past its deadline is overdue, like an application. Every step is written to the
audit log in the same transaction as the step itself. The rules' refusals are the errors of
:mod:`catalog.sharing`, each with the HTTP status the API answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.models import DataRequest, Department
from catalog.sharing import Conflict, NotAllowed, SharingError, audit
from catalog.workdays import CHINA_TIME, deadline_for

# A provider asked for data it does not yet share only has to say whether and by when it can provide it,
# not decide on a release as it must for an application (10 working days): one working week is enough for
# that answer, and keeps a department that needs data from waiting two weeks for a "no".
ANSWER_WORKING_DAYS = 5
UNANSWERED = ("filed", "assigned")
ANSWERS = ("will_provide", "cannot")
MAX_ITEMS = 100
MAX_TITLE, MAX_TEXT = 200, 2000  # the store's title column; what the API accepts for the rest


@dataclass(frozen=True)
class RequestForm:
    """What a department asks for: what (title), why (purpose), and which items (may be none yet)."""

    title: str
    purpose: str
    items: list[str]


def today() -> date:
    """The date in China, where deadlines fall."""
    return datetime.now(CHINA_TIME).date()


def file(session: Session, requester: Department, form: RequestForm, *, now: datetime | None = None) -> DataRequest:
    now = now or datetime.now(UTC)
    title, purpose, items = _checked(form)
    request = DataRequest(requester=requester, title=title, purpose=purpose, items=items, status="filed",
                          filed_at=now)
    session.add(request)
    session.flush()
    audit(session, requester.code, "file_request", request, {"title": title, "items": items}, now)
    return request


def assign(session: Session, request: DataRequest, provider: Department, *, by: str, is_admin: bool,
           now: datetime | None = None) -> DataRequest:
    """The bureau names the provider; the deadline runs from the assignment (again on re-assignment)."""
    now = now or datetime.now(UTC)
    if not is_admin:
        raise NotAllowed("只有数据管理局可以分派数据需求")
    if request.status not in UNANSWERED:
        raise Conflict(f"数据需求 {request.id} 已{_done(request)}，不能再分派")
    if provider.id == request.requester_id:
        raise SharingError("不能把数据需求分派给提出需求的部门")
    deadline = deadline_for(now, ANSWER_WORKING_DAYS)
    _move(session, request, UNANSWERED, status="assigned", provider_id=provider.id, assigned_at=now,
          deadline=deadline)
    audit(session, by, "assign_request", request, {"provider": provider.code, "deadline": deadline.isoformat()}, now)
    return request


def answer(session: Session, request: DataRequest, provider: Department, *, will_provide: bool,
           provide_by: date | None, text: str | None, now: datetime | None = None) -> DataRequest:
    """The assigned provider's answer: it will provide the data by a date, or it cannot, and why."""
    now = now or datetime.now(UTC)
    if request.provider_id != provider.id:
        raise NotAllowed("只有被分派的部门可以答复该数据需求")
    if request.status != "assigned":
        raise Conflict(f"数据需求 {request.id} 已{_done(request)}")
    text = (text or "").strip() or None
    _check_answer(will_provide, provide_by, text, now.astimezone(CHINA_TIME).date())
    kind = "will_provide" if will_provide else "cannot"
    _move(session, request, ("assigned",), DataRequest.provider_id == provider.id, status="answered", answer=kind,
          provide_by=provide_by if will_provide else None, answer_text=text, answered_at=now)
    audit(session, provider.code, "answer_request", request,
          {"answer": kind, "provide_by": request.provide_by and request.provide_by.isoformat(), "text": text}, now)
    return request


def withdraw(session: Session, request: DataRequest, requester: Department, *,
             now: datetime | None = None) -> DataRequest:
    now = now or datetime.now(UTC)
    if request.requester_id != requester.id:
        raise NotAllowed("只有提出需求的部门可以撤回")
    if request.status not in UNANSWERED:
        raise Conflict(f"数据需求 {request.id} 已{_done(request)}，不能撤回")
    _move(session, request, UNANSWERED, status="withdrawn")
    audit(session, requester.code, "withdraw_request", request, {}, now)
    return request


def overdue(session: Session, today: date) -> list[DataRequest]:
    """Assigned requests past their deadline, oldest deadline first."""
    return list(session.scalars(select(DataRequest).where(DataRequest.status == "assigned",
                                                          DataRequest.deadline < today)
                                .order_by(DataRequest.deadline, DataRequest.id)))


def is_overdue(request: DataRequest, today: date) -> bool:
    """Answering on the deadline day itself is in time."""
    return request.status == "assigned" and request.deadline is not None and request.deadline < today


def _checked(form: RequestForm) -> tuple[str, str, list[str]]:
    title, purpose = form.title.strip(), form.purpose.strip()
    items = [item.strip() for item in form.items]
    if not title or len(title) > MAX_TITLE:
        raise SharingError(f"须说明需要什么数据（不超过 {MAX_TITLE} 字）")
    if not purpose or len(purpose) > MAX_TEXT:
        raise SharingError(f"须说明需求用途（不超过 {MAX_TEXT} 字）")
    if any(not item or len(item) > MAX_TITLE for item in items):
        raise SharingError(f"信息项不能为空，每项不超过 {MAX_TITLE} 字")
    if len(items) > MAX_ITEMS:
        raise SharingError(f"信息项最多 {MAX_ITEMS} 个")
    return title, purpose, items


def _check_answer(will_provide: bool, provide_by: date | None, text: str | None, today: date) -> None:
    if will_provide and provide_by is None:
        raise SharingError("答复将提供时须写明提供日期")
    if will_provide and provide_by < today:
        raise SharingError(f"提供日期 {provide_by.isoformat()} 已过")
    if not will_provide and not text:
        raise SharingError("无法提供须说明理由")
    if text and len(text) > MAX_TEXT:
        raise SharingError(f"答复说明不超过 {MAX_TEXT} 字")


def _move(session: Session, request: DataRequest, expected: tuple[str, ...], *conditions, **values) -> None:
    """Change the request only if the store still has it in an ``expected`` status (and ``conditions``):
    of two steps racing (two answers, an answer and a withdrawal), one wins and the other is a Conflict."""
    number = request.id
    result = session.execute(update(DataRequest)
                             .where(DataRequest.id == number, DataRequest.status.in_(expected), *conditions)
                             .values(**values).execution_options(synchronize_session="fetch"))
    if result.rowcount != 1:
        raise Conflict(f"数据需求 {number} 已被他人处理")
    session.refresh(request)


def _done(request: DataRequest) -> str:
    return {"answered": "答复", "withdrawn": "撤回"}.get(request.status, "处理")
