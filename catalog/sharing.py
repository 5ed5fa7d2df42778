"""Sharing applications (共享申请) and corrections (纠错): the rules of the resource directory.

- 无条件共享: granted at once.
- 有条件共享: the provider approves or refuses (a refusal states its reason) within 10 working days
  (Chinese holidays and make-up workdays counted by :mod:`catalog.workdays`); later is overdue.
- 不予共享: cannot be applied for; the refusal quotes the legal basis.

An application asks for a copy (rows delivered) or for verification only (数据核验: the consumer's own keys
checked); see :mod:`catalog.grants`. Personal items are masked wherever data leaves, unless the provider,
approving, grants some plain (明文) on a stated legal basis (PIPL Art. 13, 34) — for an application with
an end date only, so a plain grant ends with its period.

Every decision is written to the audit log in the same transaction as the decision itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from blocklake.errors import BlocklakeError
from blocklake.vocabulary import SHARING_METHODS, SharingMethod
from catalog.models import Application, AuditLog, Base, Correction, Department, Resource
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
    method: SharingMethod = "copy"


@dataclass(frozen=True)
class PlainGrant:
    """Personal items an approval grants unmasked, and the legal basis the provider states for it."""

    items: tuple[str, ...]
    legal_basis: str


def apply(session: Session, resource: Resource, consumer: Department, request: ApplicationRequest,
          *, now: datetime | None = None) -> Application:
    """File an application; unconditional resources are granted on the spot."""
    now = now or datetime.now(UTC)
    _check_applicable(resource, consumer, request, now.date())
    application = Application(resource=resource, consumer=consumer, items=list(request.items),
                              purpose=request.purpose, scenario=request.scenario, period_start=request.period_start,
                              period_end=request.period_end, method=request.method, submitted_at=now,
                              status="pending", plain_items=[])
    if resource.share_type == "无条件共享":
        application.status, application.decided_at, application.decided_by = "approved", now, "system"
        application.reason = "无条件共享资源，自动批准"
    else:
        application.deadline = add_working_days(now.date(), DECISION_WORKING_DAYS)
    session.add(application)
    session.flush()
    audit(session, consumer.code, "apply", application, {"resource": resource.code, "items": request.items,
                                                         "method": request.method, "status": application.status},
          now)
    return application


def decide(session: Session, application: Application, provider: Department, *, approve: bool,
           reason: str | None, plain: PlainGrant | None = None, now: datetime | None = None) -> Application:
    """The provider's answer, granting ``plain`` items unmasked if it says so. Two answers to one
    application cannot both win (optimistic lock)."""
    now = now or datetime.now(UTC)
    if application.resource.provider_id != provider.id:
        raise NotAllowed("只有资源提供部门可以审批该申请")
    if application.status != "pending":
        raise Conflict(f"申请 {application.id} 已处理（{application.status}）")
    if not approve and not (reason and reason.strip()):
        raise SharingError("不予批准须说明理由")
    if plain is not None and plain.items:
        _check_plain(application, plain, approve)
        application.plain_items, application.plain_basis = list(plain.items), plain.legal_basis.strip()
    number = application.id
    application.status = "approved" if approve else "refused"
    application.decided_at, application.decided_by, application.reason = now, provider.code, reason
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(f"申请 {number} 已被他人处理") from None
    detail: dict = {"reason": reason}
    if application.plain_items:
        detail |= {"plain_items": application.plain_items, "legal_basis": application.plain_basis,
                   "period_end": application.period_end.isoformat()}
    audit(session, provider.code, "approve" if approve else "refuse", application, detail, now)
    return application


def _check_plain(application: Application, plain: PlainGrant, approve: bool) -> None:
    """A plain grant names personal items of the application, states its legal basis, and ends."""
    if not approve:
        raise SharingError("不予批准的申请不能授予明文信息项")
    personal = {item.column_name for item in application.resource.items if item.sensitive}
    wrong = sorted(set(plain.items) - (set(application.items) & personal))
    if wrong:
        raise SharingError(f"明文授予只限本申请所列的个人信息项；这些不是：{wrong}")
    if not plain.legal_basis.strip():
        raise SharingError("明文提供个人信息须写明法律依据（如《个人信息保护法》第十三条、第三十四条）和必要性")
    if application.period_end is None:
        raise SharingError("明文提供个人信息须限定使用期限：该申请没有结束日期，请申请方重新申请并填写使用期限")


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


def audit(session: Session, actor: str, action: str, subject: Base, detail: dict,
          now: datetime | None = None) -> None:
    """One line of the audit log about ``subject`` (any stored object with an ``id``: an application, a
    correction, a usage record, a rating, a data request…), in the caller's transaction."""
    session.add(AuditLog(at=now or datetime.now(UTC), actor=actor, action=action,
                         object_type=type(subject).__name__.lower(), object_id=str(subject.id), detail=detail))


def _check_applicable(resource: Resource, consumer: Department, request: ApplicationRequest, today: date) -> None:
    if request.method not in SHARING_METHODS:
        raise SharingError(f"共享方式 {request.method!r} 无效，应为 {list(SHARING_METHODS)} 之一")
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
