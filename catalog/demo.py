"""The synthetic district's sharing: a few applications such as a district's first weeks bring, so a
demo run shows exports end to end. Only ``blocklake run`` calls this, after the directory is built.

- every street office subscribes to the block statistics (无条件共享: granted at once) and receives
  its own street's rows (回流);
- civil affairs applies for a few items of the resident population (有条件共享) for its benefit
  reviews, and the bureau, which provides the base layer, approves them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import db, sharing
from catalog.models import Application, Department, Resource

BLOCK_STATS = "marts.mart_block_stats"
PERSONS = "base.base_person"
PERSON_ITEMS = ["person_key", "person_name", "resident_id", "residence_grid_code"]


def subscribe(session: Session) -> int:
    """File (idempotently) the demo's applications; returns how many were filed now."""
    resources = {r.source_key: r for r in session.scalars(select(Resource).where(
        Resource.source_key.in_([BLOCK_STATS, PERSONS]), Resource.published_snapshot.is_not(None)))}
    filed = 0
    if (stats := resources.get(BLOCK_STATS)) is not None:
        for street in session.scalars(select(Department).where(Department.kind == "street")):
            filed += _apply(session, stats, street, [item.column_name for item in stats.items], "街道块数据回流")
    civil = session.scalar(select(Department).where(Department.code == "civil"))
    if (persons := resources.get(PERSONS)) is not None and civil is not None:
        items = [name for name in PERSON_ITEMS if name in {item.column_name for item in persons.items}]
        if _apply(session, persons, civil, items, "低保、特困对象年审时核对实有人口"):
            filed += 1
            pending = session.scalar(select(Application).where(Application.resource_id == persons.id,
                                                               Application.consumer_id == civil.id))
            sharing.decide(session, pending, persons.provider, approve=True, reason="同意，限低保年审使用")
    return filed


def subscribe_now() -> int:
    with db.session() as session:
        return subscribe(session)


def _apply(session: Session, resource: Resource, consumer: Department, items: list[str], purpose: str) -> int:
    exists = session.scalar(select(Application.id).where(Application.resource_id == resource.id,
                                                         Application.consumer_id == consumer.id))
    if exists is not None:
        return 0
    sharing.apply(session, resource, consumer, sharing.ApplicationRequest(items=items, purpose=purpose,
                                                                          scenario="演示"))
    session.flush()
    return 1
