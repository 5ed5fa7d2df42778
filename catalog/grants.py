"""What a department may read: the approved items of its approved, unexpired applications.

One answer for every way data leaves the lake — the data API, the SQL endpoint and the export
bundles — so they cannot disagree. The bureau's administrators may read every item of every resource
that may be shared; nobody reads a 不予共享 resource through these paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog.auth import Principal
from catalog.models import Application, Resource

WITHHELD = "不予共享"


@dataclass(frozen=True)
class Grant:
    resource: Resource
    items: tuple[str, ...]  # column names, in the resource's item order
    application_ids: tuple[int, ...]


def readable(session: Session, who: Principal) -> dict[str, Grant]:
    """Source key (``base.base_person``) -> what ``who`` may read of that resource's published version."""
    if who.is_admin:
        resources = session.scalars(select(Resource).where(Resource.active, Resource.share_type != WITHHELD))
        return {r.source_key: Grant(r, tuple(i.column_name for i in r.items), ()) for r in resources}
    if who.department is None:
        return {}
    approved: dict[int, tuple[Resource, set[str], list[int]]] = {}
    for application in _approved(session, who.department.id):
        resource = application.resource
        entry = approved.setdefault(resource.id, (resource, set(), []))
        entry[1].update(application.items)
        entry[2].append(application.id)
    return {resource.source_key: Grant(resource, tuple(i.column_name for i in resource.items if i.column_name in items),
                                       tuple(ids))
            for resource, items, ids in approved.values()}


def grant_for(session: Session, who: Principal, resource: Resource) -> Grant | None:
    return readable(session, who).get(resource.source_key)


def approved_applications(session: Session) -> list[Application]:
    """Every approved, unexpired application for an active resource that may be shared (exports)."""
    return _approved(session, None)


def _approved(session: Session, department_id: int | None) -> list[Application]:
    today = datetime.now(UTC).date()
    query = (select(Application).join(Application.resource)
             .where(Application.status == "approved", Resource.active, Resource.share_type != WITHHELD,
                    or_(Application.period_end.is_(None), Application.period_end >= today))
             .order_by(Application.id))
    if department_id is not None:
        query = query.where(Application.consumer_id == department_id)
    return list(session.scalars(query))
