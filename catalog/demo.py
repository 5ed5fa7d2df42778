"""The synthetic district's sharing: a few applications such as a district's first weeks bring, so a
demo run shows exports end to end. Only ``blocklake run`` calls this, after the directory is built.

- every street office subscribes to the block statistics (无条件共享: granted at once) and receives
  its own street's rows (回流);
- civil affairs applies to *verify* its recipients against the resident population (有条件共享) for the
  annual review of subsistence allowances (低保年审), and the bureau, which provides the base layer,
  approves it: civil affairs checks the IDs and names it holds instead of receiving 30,000 persons' records;
- :func:`civil_review` then runs that review on civil affairs' own recipient list in the lake and writes
  the answers, with the recipients not found or whose name disagrees, to a file.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from blocklake import lake, masking
from blocklake.settings import Settings
from blocklake.sql import identifier
from blocklake.vocabulary import SharingMethod
from catalog import db, sharing, verification
from catalog.auth import Principal
from catalog.models import Application, Department, Resource
from catalog.verification_files import CheckList, answers_csv

BLOCK_STATS = "marts.mart_block_stats"
PERSONS = "base.base_person"
PERSON_ITEMS = ["resident_id", "person_name", "residence_grid_code"]
RECIPIENTS = "raw.civil__subsidy_recipient"  # civil affairs' own list of assistance recipients
REVIEW_PURPOSE = "低保、特困对象年审时核对实有人口"


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
        if _apply(session, persons, civil, items, REVIEW_PURPOSE, method="verify"):
            filed += 1
            pending = session.scalar(select(Application).where(Application.resource_id == persons.id,
                                                               Application.consumer_id == civil.id))
            sharing.decide(session, pending, persons.provider, approve=True, reason="同意，限低保年审使用")
    return filed


def subscribe_now() -> int:
    with db.session() as session:
        return subscribe(session)


def civil_review(settings: Settings) -> str:
    """Civil affairs' annual review by verification: its recipients' IDs and names checked against the
    published resident population; the answers written to ``<home>/demo/civil-review.csv``."""
    with db.session() as session:
        civil = session.scalar(select(Department).where(Department.code == "civil"))
        persons = session.scalar(select(Resource).where(Resource.source_key == PERSONS))
        recipients = session.scalar(select(Resource).where(Resource.source_key == RECIPIENTS))
        kinds = {item.sensitive for item in recipients.items if item.sensitive} if recipients is not None else set()
        if (civil is None or persons is None or recipients is None or recipients.published_snapshot is None
                or not {"resident_id", "person_name"} <= kinds):
            return "skipped (civil affairs, its recipients' IDs and names or the population is not published)"
        con = lake.connect(settings, read_only=True)
        try:
            checks = _recipient_list(con, recipients)
            result = verification.verify(
                session, Principal("department", civil), persons, "resident_id", checks.checks(),
                lambda grant, key_item: verification.KeyIndex.build(grant, key_item,
                                                                    lambda sql, params: _run(con, sql, params)),
                secret=masking.bureau_secret(settings),
                method="batch", path="demo:civil_review")
        finally:
            con.close()
        path = settings.home / "demo" / "civil-review.csv"
        _write(path, answers_csv(checks, result, {item.column_name: item.name for item in persons.items}))
        counts = result.summary()
        return (f"{len(result.answers):,} recipients: " + ", ".join(f"{verification.STATUS_TITLES[status]} {count:,}"
                                                                   for status, count in counts.items())
                + f" -> {path}")


def _recipient_list(con, recipients: Resource) -> CheckList:
    """The recipients' ID and name columns, found by their kind (the gate's or the registry's), at the
    published snapshot of civil affairs' own table."""
    kinds = {item.sensitive: item.column_name for item in recipients.items if item.sensitive}
    id_column, name_column = kinds["resident_id"], kinds["person_name"]
    # One row per recipient (a person receiving two kinds of assistance is listed twice; a key is asked once).
    key = f"upper(trim(CAST({identifier(id_column)} AS VARCHAR)))"
    rows = con.execute(f"SELECT {key}, min(CAST({identifier(name_column)} AS VARCHAR)) "
                       f"FROM {lake.LAKE}.{RECIPIENTS} AT (VERSION => {int(recipients.published_snapshot)}) "
                       f"WHERE {identifier(id_column)} IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()
    return CheckList(["身份证号码", "姓名"], [[key or "", name or ""] for key, name in rows], 0, {1: "person_name"})


def _run(con, sql: str, params) -> tuple[list[str], list[tuple]]:
    result = con.execute(sql, list(params))
    return [description[0] for description in result.description], result.fetchall()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _apply(session: Session, resource: Resource, consumer: Department, items: list[str], purpose: str,
           method: SharingMethod = "copy") -> int:
    exists = session.scalar(select(Application.id).where(Application.resource_id == resource.id,
                                                         Application.consumer_id == consumer.id))
    if exists is not None:
        return 0
    sharing.apply(session, resource, consumer, sharing.ApplicationRequest(items=items, purpose=purpose,
                                                                          scenario="演示", method=method))
    session.flush()
    return 1
