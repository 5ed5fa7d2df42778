"""What a reader receives of the lake: one policy for every way data leaves it — export bundles, the data
API (``/api/data``) and the SQL endpoint (``/api/sql``) — so they cannot disagree.

A :class:`Grant` is what one reader may see of one published resource, and every path applies all of it:

- **items**: the approved items of the reader's approved applications *in force* — whose period has begun
  and not ended — never lineage columns; the bureau's administrators: every item of a resource that may
  be shared. Nobody reads a 不予共享 resource through these paths.
- **method**: rows leave (bundles, ``/api/data``, ``/api/sql``) only under applications approved for a
  copy; an application approved for verification (数据核验, :mod:`catalog.verification`) answers about the
  consumer's own keys and nothing else. Verification answers under either.
- **masks**: the personal items among them, masked inside DuckDB (:mod:`blocklake.masking`) — unless an
  application in force grants the item plain (明文) on a stated legal basis, for its period only.
- **row scope** (回流): a street office or community sees only the rows of its own block — those whose
  block column starts with its block code. A resource without a block column gives it no rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from blocklake import masking
from blocklake.errors import BlocklakeError
from blocklake.sql import identifier, literal
from blocklake.vocabulary import LINEAGE_COLUMNS, SharingMethod
from catalog.auth import Principal
from catalog.models import Application, Department, Resource, listed

WITHHELD = "不予共享"
BLOCK_READERS = ("street", "community")  # departments that receive only their own block's rows (回流)
# The application methods that give each use: a copy answers verification too, a verification never copies.
USES: dict[SharingMethod, tuple[SharingMethod, ...]] = {"copy": ("copy",), "verify": ("copy", "verify")}


class AccessError(BlocklakeError):
    """A grant cannot be honoured as asked (a block-scoped reader of a resource without a block column)."""


@dataclass(frozen=True)
class Grant:
    resource: Resource
    items: tuple[str, ...]  # column names, in the resource's item order, lineage never
    application_ids: tuple[int, ...]
    masks: Mapping[str, str] = field(default_factory=dict)  # item -> sensitive kind, for the granted items
    block_scope: str | None = None  # the block code rows are limited to (street office, community)
    plain: tuple[str, ...] = ()  # personal items granted unmasked on a legal basis (not in ``masks``)

    @property
    def block_column(self) -> str | None:
        return self.resource.block_column

    def columns(self) -> list[tuple[str, str]]:
        """(item, DuckDB expression) per granted item: personal items masked, the rest as they are."""
        return [(item, masked_column(self.resource.code, item, self.masks[item]) if item in self.masks
                 else identifier(item)) for item in self.items]

    def row_filter(self) -> str:
        """The SQL condition every row a reader receives meets (``''``: all rows)."""
        return block_condition(self.resource.code, self.block_column, self.block_scope)

    def select_sql(self, relation: str) -> str:
        """``SELECT`` of what the reader receives from ``relation`` (the resource's table at a snapshot)."""
        columns = ", ".join(f"{expression} AS {identifier(item)}" for item, expression in self.columns())
        condition = self.row_filter()
        return f"SELECT {columns} FROM {relation}" + (f" WHERE {condition}" if condition else "")


def readable(session: Session, who: Principal, *, today: date | None = None, use: SharingMethod = "copy",
             resource: Resource | None = None) -> dict[str, Grant]:
    """Source key (``base.base_person``) -> what ``who`` may read of that resource's published version:
    ``use="copy"`` for rows that leave (bundles, the data API, SQL), ``"verify"`` for verification answers;
    ``resource`` limits it to that one."""
    if who.is_admin:
        query = select(Resource).where(listed(), Resource.share_type != WITHHELD)
        if resource is not None:
            query = query.where(Resource.id == resource.id)
        return {r.source_key: _grant(r, [i.column_name for i in r.items], (), None) for r in session.scalars(query)}
    if who.department is None:
        return {}
    applications = in_force(session, today=today, consumer_id=who.department.id, use=use,
                            resource_id=resource.id if resource is not None else None)
    by_resource: dict[int, list[Application]] = {}
    for application in applications:
        by_resource.setdefault(application.resource_id, []).append(application)
    return {group[0].resource.source_key: _merge(group) for group in by_resource.values()}


def grant_for(session: Session, who: Principal, resource: Resource, *,
              use: SharingMethod = "copy") -> Grant | None:
    return readable(session, who, use=use, resource=resource).get(resource.source_key)


class RecentGrants:
    """Grants as they stood at most ``max_age_s`` ago, for a path called hundreds of times a second by the
    same few departments (verification): a decision, a period's end or a new publication reaches it within
    that time. Keys are never cached — whoever uses one checks it on every call — so a revoked key stops at
    once. Only grants are kept, never a refusal, so a new approval works on its next call."""

    def __init__(self, max_age_s: float = 1.0, size: int = 1024) -> None:
        self.max_age_s, self.size = max_age_s, size
        self._entries: dict[Hashable, tuple[float, Principal, Grant]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[Principal, Grant] | None:
        with self._lock:
            found = self._entries.get(key)
        if found is None or time.monotonic() - found[0] > self.max_age_s:
            return None
        return found[1], found[2]

    def put(self, key: Hashable, who: Principal, grant: Grant) -> None:
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()
            self._entries[key] = (time.monotonic(), who, grant)


def grant_of(application: Application) -> Grant:
    """What one application gives its consumer (a bundle is delivered per application)."""
    return _merge([application])


def in_force(session: Session, *, today: date | None = None, consumer_id: int | None = None,
             resource_id: int | None = None, use: SharingMethod = "copy") -> list[Application]:
    """Approved applications whose period has begun and not ended, for an active resource that may be
    shared, that give ``use`` (:data:`USES`); ``consumer_id`` and ``resource_id`` narrow them."""
    today = today or datetime.now(UTC).date()
    query = (select(Application).join(Application.resource)
             .where(Application.status == "approved", Application.method.in_(USES[use]), listed(),
                    Resource.share_type != WITHHELD,
                    or_(Application.period_start.is_(None), Application.period_start <= today),
                    or_(Application.period_end.is_(None), Application.period_end >= today))
             .order_by(Application.id))
    if consumer_id is not None:
        query = query.where(Application.consumer_id == consumer_id)
    if resource_id is not None:
        query = query.where(Application.resource_id == resource_id)
    return list(session.scalars(query))


def masked_column(resource_code: str, item: str, kind: str) -> str:
    """The DuckDB expression showing personal ``item`` masked; an unknown kind fails closed."""
    if kind not in masking.MASKS:
        raise AccessError(f"{resource_code}: item {item!r} is marked {kind!r}, which no mask handles; mark it one "
                          f"of {sorted(masking.MASKS)} in the registry or the model's YAML")
    return masking.sql_mask(kind, identifier(item))


def block_condition(resource_code: str, block_column: str | None, scope: str | None) -> str:
    """The SQL condition limiting rows to the block ``scope`` (``''`` when there is none)."""
    if scope is None:
        return ""
    if not block_column:
        raise AccessError(f"{resource_code} has no block column, so its rows cannot be limited to the block "
                          f"{scope}; declare `block_column` for it before sharing it with a street office or "
                          "community")
    if not scope.isdigit():
        raise AccessError(f"block code {scope!r} is not a division code")
    return f"starts_with(CAST({identifier(block_column)} AS VARCHAR), {literal(scope)})"


def block_scope(department: Department) -> str | None:
    """The block code a department's rows are limited to, or None (it reads every row it is granted)."""
    return department.block_code if department.kind in BLOCK_READERS else None


def _merge(applications: list[Application]) -> Grant:
    resource = applications[0].resource
    approved = {item for application in applications for item in application.items}
    plain = {item for application in applications for item in application.plain_items or ()}
    return _grant(resource, [i.column_name for i in resource.items if i.column_name in approved],
                  tuple(a.id for a in applications), block_scope(applications[0].consumer), plain)


def _grant(resource: Resource, items: Iterable[str], application_ids: tuple[int, ...],
           scope: str | None, plain: set[str] | frozenset[str] = frozenset()) -> Grant:
    visible = tuple(item for item in items if item not in LINEAGE_COLUMNS)
    masks = {i.column_name: i.sensitive for i in resource.items
             if i.sensitive and i.column_name in visible and i.column_name not in plain}
    return Grant(resource, visible, application_ids, masks, scope, tuple(i for i in visible if i in plain))
