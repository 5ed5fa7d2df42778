"""Sharing applications (共享申请) and corrections (纠错): the rules of the resource directory.

- 无条件共享: granted at once.
- 有条件共享: the provider approves or refuses (a refusal states its reason) within 10 working days
  (Chinese holidays and make-up workdays counted by :mod:`catalog.workdays`); later is overdue.
- 不予共享: cannot be applied for; the refusal quotes the legal basis.

Every decision is written to the audit log in the same transaction as the decision itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from blocklake.errors import BlocklakeError
from catalog.models import Application, AuditLog, Correction, Department, Resource
from catalog.workdays import add_working_days

DECISION_WORKING_DAYS = 10


class SharingError(BlocklakeError):
    """A request the directory's rules do not allow; ``status`` is the HTTP status the API answers."""

    status = 400


class NotAllowed(SharingError):
    status = 403


class NotFound(SharingError):
    status = 404


class Conflict(SharingError):
    status = 409


@dataclass(frozen=True)
class ApplicationRequest:
    items: list[str]
    purpose: str
    scenario: str = ""
    period_start: date | None = None
    period_end: date | None = None


def apply(session: Session, resource: Resource, consumer: Department, request: ApplicationRequest,
          *, now: datetime | None = None) -> Application:
    """File an application; unconditional resources are granted on the spot."""
    now = now or datetime.now(UTC)
    _check_applicable(resource, consumer, request, now.date())
    application = Application(resource=resource, consumer=consumer, items=list(request.items),
                              purpose=request.purpose, scenario=request.scenario, period_start=request.period_start,
                              period_end=request.period_end, submitted_at=now, status="pending")
    if resource.share_type == "无条件共享":
        application.status, application.decided_at, application.decided_by = "approved", now, "system"
        application.reason = "无条件共享资源，自动批准"
    else:
        application.deadline = add_working_days(now.date(), DECISION_WORKING_DAYS)
    session.add(application)
    session.flush()
    audit(session, consumer.code, "apply", application, {"resource": resource.code, "items": request.items,
                                                         "status": application.status}, now)
    return application


def decide(session: Session, application: Application, provider: Department, *, approve: bool,
           reason: str | None, now: datetime | None = None) -> Application:
    """The provider's answer. Two answers to one application cannot both win (optimistic lock)."""
    now = now or datetime.now(UTC)
    if application.resource.provider_id != provider.id:
        raise NotAllowed("只有资源提供部门可以审批该申请")
    if application.status != "pending":
        raise Conflict(f"申请 {application.id} 已处理（{application.status}）")
    if not approve and not (reason and reason.strip()):
        raise SharingError("不予批准须说明理由")
    number = application.id
    application.status = "approved" if approve else "refused"
    application.decided_at, application.decided_by, application.reason = now, provider.code, reason
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(f"申请 {number} 已被他人处理") from None
    audit(session, provider.code, "approve" if approve else "refuse", application, {"reason": reason}, now)
    return application


def overdue(session: Session, today: date) -> list[Application]:
    """Pending applications past their deadline."""
    return list(session.scalars(select(Application).where(Application.status == "pending",
                                                          Application.deadline < today)))


def is_overdue(application: Application, today: date) -> bool:
    return application.status == "pending" and application.deadline is not None and application.deadline < today


def file_correction(session: Session, resource: Resource, reporter: Department, description: str,
                    *, now: datetime | None = None) -> Correction:
    now = now or datetime.now(UTC)
    if not description.strip():
        raise SharingError("纠错须说明问题")
    correction = Correction(resource=resource, reporter=reporter, description=description, created_at=now)
    session.add(correction)
    session.flush()
    audit(session, reporter.code, "file_correction", correction, {"resource": resource.code}, now)
    return correction


def resolve_correction(session: Session, correction: Correction, provider: Department, *, accepted: bool,
                       resolution: str, now: datetime | None = None) -> Correction:
    now = now or datetime.now(UTC)
    if correction.resource.provider_id != provider.id:
        raise NotAllowed("只有资源提供部门可以处理纠错")
    if correction.status != "open":
        raise Conflict(f"纠错 {correction.id} 已处理（{correction.status}）")
    correction.status = "accepted" if accepted else "rejected"
    correction.resolved_at, correction.resolution = now, resolution
    audit(session, provider.code, "resolve_correction", correction, {"status": correction.status}, now)
    return correction


def audit(session: Session, actor: str, action: str, subject: Application | Correction | Resource,
          detail: dict, now: datetime | None = None) -> None:
    session.add(AuditLog(at=now or datetime.now(UTC), actor=actor, action=action,
                         object_type=type(subject).__name__.lower(), object_id=str(subject.id), detail=detail))


def _check_applicable(resource: Resource, consumer: Department, request: ApplicationRequest, today: date) -> None:
    if resource.share_type == "不予共享":
        raise NotAllowed(f"该资源不予共享：{resource.legal_basis or '未说明依据'}")
    if resource.provider_id == consumer.id:
        raise SharingError("不能申请本部门提供的资源")
    known = {item.column_name for item in resource.items}
    unknown = sorted(set(request.items) - known)
    if not request.items or unknown:
        raise SharingError(f"申请的信息项无效：{unknown or '未选择信息项'}")
    if not request.purpose.strip():
        raise SharingError("须说明申请用途")
    if request.period_start and request.period_end and request.period_end < request.period_start:
        raise SharingError("使用期限的结束日期早于开始日期")
    if request.period_end and request.period_end < today:
        raise SharingError(f"使用期限已于 {request.period_end.isoformat()} 结束，不能申请已过期的使用期限")
