"""Verification (数据核验 / 比对): a department sends keys it already holds — resident IDs, USCCs, unit
codes — and learns, for each, whether the resource's published version holds it and what the granted
items of the rows found say; nothing about any key it did not send. It may also send the values it holds
(a name, an address) and learn whether they agree, without receiving the resource's value.

The same policy as every other way data leaves (:mod:`catalog.grants`, ``use="verify"``): the key and
the compared items must be granted to the caller by an application in force, the items come back masked
as the grant says (plain only where granted on a legal basis), and a street office or community finds
only the rows of its own block. Keys are matched inside DuckDB, trimmed and upper-cased on both sides
(a trailing ``x`` of a resident ID is the same ID as ``X``), so unmasked values never reach Python.

Every call is kept (:class:`catalog.models.Verification`) with a keyed digest of each key checked, so the
bureau can answer "was this ID checked, by whom, when" without keeping a second copy of anyone's list.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from blocklake import identifiers, lake
from blocklake.sql import identifier
from catalog import grants
from catalog.auth import Principal
from catalog.models import AuditLog, CallLog, Resource, Verification
from catalog.sharing import NotAllowed, SharingError

MAX_KEYS_PER_CALL = 1_000  # one API call; a batch file is answered this many keys at a time
MAX_BATCH_KEYS = 100_000
MAX_RECORDS_PER_KEY = 20  # a key that is not unique in the resource answers with its first rows only

Status = Literal["match", "mismatch", "not_found", "invalid"]
STATUS_TITLES: dict[Status, str] = {"match": "一致", "mismatch": "信息不一致", "not_found": "未找到",
                                    "invalid": "号码无效"}

# Runs one query on the lake (parameters bound by DuckDB) and returns its column names and rows.
LakeQuery = Callable[[str, Sequence[Any]], tuple[list[str], list[tuple[Any, ...]]]]


@dataclass(frozen=True)
class Check:
    """One key the consumer holds, and the values it holds for other items (item -> value)."""

    key: str
    claims: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    key: str
    status: Status
    records: list[dict[str, Any]]  # the granted items of each row found, masked as the grant says
    matches: dict[str, bool]  # compared item -> whether a row found holds the consumer's value

    @property
    def found(self) -> bool:
        return self.status in ("match", "mismatch")


@dataclass(frozen=True)
class Result:
    resource: Resource
    snapshot_id: int
    key_item: str
    grant: grants.Grant
    answers: list[Answer]
    verification_id: int

    def summary(self) -> dict[Status, int]:
        counts: dict[Status, int] = dict.fromkeys(STATUS_TITLES, 0)
        for answer in self.answers:
            counts[answer.status] += 1
        return counts


class VerificationError(SharingError):
    """A verification request the policy or the resource cannot answer."""


def verify(session: Session, who: Principal, resource: Resource, key_item: str, checks: Sequence[Check],
           query: LakeQuery, *, secret: bytes, method: Literal["single", "batch"] = "single",
           path: str = "/api/verify", now: datetime | None = None) -> Result:
    """Answer ``checks`` against ``resource``'s published version, as ``who``'s grant allows; record it."""
    limit = MAX_BATCH_KEYS if method == "batch" else MAX_KEYS_PER_CALL
    if not checks or len(checks) > limit:
        raise VerificationError(f"一次核验须提交 1 至 {limit:,} 个号码，收到 {len(checks):,} 个")
    grant = _grant(session, who, resource, key_item, checks)
    if resource.published_snapshot is None:
        raise VerificationError(f"{resource.code} 尚无发布版本，无法核验")
    answers: list[Answer] = []
    for start in range(0, len(checks), MAX_KEYS_PER_CALL):
        answers += _answer(grant, key_item, checks[start:start + MAX_KEYS_PER_CALL], query)
    record = _record(session, who, grant, key_item, answers, secret, method, path, now or datetime.now(UTC))
    return Result(resource, int(resource.published_snapshot), key_item, grant, answers, record.id)


def key_digest(secret: bytes, key: str) -> str:
    """The keyed digest a verification keeps of a key: without the bureau's secret, a digest of a resident
    ID cannot be found by trying every ID of a birth date."""
    return hmac.new(secret, f"blocklake-verification:{normalise(key)}".encode(), hashlib.sha256).hexdigest()[:32]


def normalise(key: str) -> str:
    """A key as it is compared: without surrounding spaces, upper case (a resident ID's ``x`` is ``X``)."""
    return key.strip().upper()


def _grant(session: Session, who: Principal, resource: Resource, key_item: str,
           checks: Sequence[Check]) -> grants.Grant:
    grant = grants.grant_for(session, who, resource, use="verify")
    if grant is None:
        raise NotAllowed(f"{who.actor} 没有 {resource.code} 的有效核验或共享授权（申请未批准、已过期或资源不予共享）")
    if key_item not in grant.items:
        raise NotAllowed(f"核验的号码项 {key_item!r} 不在批准的信息项 {list(grant.items)} 中")
    compared = sorted({item for check in checks for item in check.claims} - set(grant.items))
    if compared:
        raise NotAllowed(f"比对项 {compared} 不在批准的信息项 {list(grant.items)} 中")
    return grant


def _answer(grant: grants.Grant, key_item: str, checks: Sequence[Check], query: LakeQuery) -> list[Answer]:
    compared = sorted({item for check in checks for item in check.claims})
    keys = [normalise(check.key) for check in checks]
    claims = [[_claim(check, item) for check in checks] for item in compared]
    columns, rows = query(_sql(grant, key_item, compared), [keys, *claims])
    found: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(row)
    shown = len(grant.items)
    answers = []
    for position, check in enumerate(checks, start=1):
        hits = found.get(position, [])
        records = [dict(zip(columns[1:1 + shown], hit[1:1 + shown], strict=True)) for hit in hits]
        matches = {item: any(hit[1 + shown + i] for hit in hits) for i, item in enumerate(compared)
                   if item in check.claims and hits}  # nothing to compare with a key not found
        answers.append(Answer(check.key, _status(grant, key_item, check, hits, matches), records, matches))
    return answers


def _claim(check: Check, item: str) -> str | None:
    value = check.claims.get(item)
    return value.strip() if value is not None else None


def _status(grant: grants.Grant, key_item: str, check: Check, hits: list, matches: dict[str, bool]) -> Status:
    if hits:
        return "match" if all(matches.values()) else "mismatch"
    kind = next((item.sensitive for item in grant.resource.items if item.column_name == key_item), None)
    if kind == "resident_id" and not identifiers.is_valid_resident_id(normalise(check.key)):
        return "invalid"
    return "not_found"


def _sql(grant: grants.Grant, key_item: str, compared: Sequence[str]) -> str:
    """Rows of the resource matching the asked keys: the asked position, the granted items as the grant
    shows them, then whether each compared item holds the consumer's value. ``$1`` is the list of keys,
    ``$2…`` the consumer's values of each compared item, position by position."""
    relation = (f"{lake.LAKE}.{grant.resource.source_key} "
                f"AT (VERSION => {int(grant.resource.published_snapshot or 0)})")
    shown = ", ".join(f"{expression} AS {identifier(item)}" for item, expression in grant.columns())
    asked = ", ".join(["unnest(range(1, len($1) + 1)) AS blocklake_position", "unnest($1) AS blocklake_key",
                       *(f"unnest(${i + 2}::VARCHAR[]) AS blocklake_claim_{i}" for i in range(len(compared)))])
    agree = "".join(f", coalesce(trim(CAST({identifier(item)} AS VARCHAR)) = blocklake_claim_{i}, false)"
                    for i, item in enumerate(compared))
    condition = grant.row_filter()
    return (f"WITH asked AS (SELECT {asked}), "
            f"held AS (SELECT * FROM {relation}{f' WHERE {condition}' if condition else ''}) "
            f"SELECT blocklake_position, {shown}{agree} FROM asked JOIN held "
            f"ON upper(trim(CAST(held.{identifier(key_item)} AS VARCHAR))) = blocklake_key "
            f"QUALIFY row_number() OVER (PARTITION BY blocklake_position) <= {MAX_RECORDS_PER_KEY} "
            "ORDER BY blocklake_position")


def _record(session: Session, who: Principal, grant: grants.Grant, key_item: str, answers: Sequence[Answer],
            secret: bytes, method: str, path: str, now: datetime) -> Verification:
    found = sum(answer.found for answer in answers)
    record = Verification(at=now, consumer_id=who.department.id, resource_id=grant.resource.id,
                          snapshot_id=int(grant.resource.published_snapshot or 0),
                          application_ids=list(grant.application_ids), key_item=key_item, method=method,
                          keys=len(answers), found=found,
                          key_digests=[key_digest(secret, answer.key) for answer in answers])
    session.add(record)
    session.add(CallLog(at=now, department_id=who.department.id, resource_id=grant.resource.id, path=path,
                        status=200, rows=found))
    session.flush()
    session.add(AuditLog(at=now, actor=who.actor, action="verify", object_type="verification",
                         object_id=str(record.id), detail={"resource": grant.resource.code, "method": method,
                                                           "keys": len(answers), "found": found}))
    return record
