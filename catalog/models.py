"""The catalog store: SQLAlchemy models of the directory, its versions, applications, keys and logs.

SQLite by default, PostgreSQL by settings; the schema is owned by Alembic (``catalog/migrations``).
Resource codes are stable forever: a resource is identified by its lake table (``source_key``), and
the code issued for it is never reissued or changed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement


class Base(DeclarativeBase):
    pass


class Department(Base):
    """A unit that provides or consumes data: a department, the bureau itself, a street office."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)  # unknown for offices registered from the lake
    contact: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="department")  # bureau | department | street | community
    block_code: Mapped[str | None] = mapped_column(String(12))  # a street office's or community's division code

    resources: Mapped[list[Resource]] = relationship(back_populates="provider")


class Resource(Base):
    """An information resource (信息资源): one published lake table."""

    __tablename__ = "resource"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    classification: Mapped[str] = mapped_column(String(32), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    source_key: Mapped[str] = mapped_column(String(128), unique=True)  # schema.table in the lake
    layer: Mapped[str] = mapped_column(String(16))  # raw | base | marts
    name: Mapped[str] = mapped_column(String(200))
    provider_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    abstract: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(32), default="数据库")
    share_type: Mapped[str] = mapped_column(String(16))
    share_conditions: Mapped[str | None] = mapped_column(Text)
    share_method: Mapped[str] = mapped_column(String(16), default="接口")
    legal_basis: Mapped[str | None] = mapped_column(Text)
    open_to_public: Mapped[bool] = mapped_column(Boolean, default=False)
    open_conditions: Mapped[str | None] = mapped_column(Text)
    update_cycle: Mapped[str] = mapped_column(String(8))
    block_level: Mapped[str | None] = mapped_column(String(16))  # district … unit, for block resources
    # The column holding each row's block code (street 9 digits … unit 23): rows belong to the street
    # its first 9 digits name, and a street office's or community's share is a prefix of it.
    block_column: Mapped[str | None] = mapped_column(String(128))
    publish_date: Mapped[date | None] = mapped_column(Date)
    related_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    upstream: Mapped[list[str]] = mapped_column(JSON, default=list)  # source keys this resource is built from
    record_count: Mapped[int | None] = mapped_column(BigInteger)
    published_snapshot: Mapped[int | None] = mapped_column(BigInteger)
    last_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the newest record by the table's own business time (its freshness column or cursor), as published
    data_until: Mapped[datetime | None] = mapped_column(DateTime)
    quality_score: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    provider: Mapped[Department] = relationship(back_populates="resources")
    items: Mapped[list[DataItem]] = relationship(back_populates="resource", order_by="DataItem.position",
                                                 cascade="all, delete-orphan")
    versions: Mapped[list[ResourceVersion]] = relationship(back_populates="resource",
                                                           order_by="ResourceVersion.snapshot_id.desc()")
    street_counts: Mapped[list[StreetCount]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("classification", "sequence"),)


def listed() -> ColumnElement[bool]:
    """The one definition of a resource the directory lists (active). The public directory, its search, the
    API and what harvesters read (DCAT, CKAN) all filter by it."""
    return Resource.active.is_(True)


class DataItem(Base):
    """A data item (信息项): a column of the resource, with its guide type code."""

    __tablename__ = "data_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    column_name: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    type_code: Mapped[str] = mapped_column(String(1))
    sensitive: Mapped[str | None] = mapped_column(String(32))  # blocklake.vocabulary.SensitiveKind
    # the kind was found in the values by the gate (quality.pii), not declared in the registry or model YAML
    sensitive_found: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    element: Mapped[str | None] = mapped_column(String(32))  # the registry's data element (blocklake.elements)
    duckdb_type: Mapped[str | None] = mapped_column(String(64))  # the column's type in the published version

    resource: Mapped[Resource] = relationship(back_populates="items")


class StreetCount(Base):
    """Records of a block resource's published version in one street (for the per-street figures)."""

    __tablename__ = "street_count"

    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True)
    street_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    street_name: Mapped[str | None] = mapped_column(String(100))
    records: Mapped[int] = mapped_column(BigInteger)


class ResourceVersion(Base):
    """A published version of a resource: the lake snapshot consumers read."""

    __tablename__ = "resource_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    snapshot_id: Mapped[int] = mapped_column(BigInteger)
    record_count: Mapped[int | None] = mapped_column(BigInteger)
    quality_score: Mapped[float | None] = mapped_column(Float)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    resource: Mapped[Resource] = relationship(back_populates="versions")
    __table_args__ = (UniqueConstraint("resource_id", "snapshot_id"),)


class Application(Base):
    """A sharing application (共享申请) by a consuming department for chosen items of a resource."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    items: Mapped[list[str]] = mapped_column(JSON)  # column names
    # how the data is shared (catalog.grants.METHODS): "copy" (bundles, the data API, SQL) or "verify"
    # (核验: the consumer's own keys checked, nothing else leaves)
    method: Mapped[str] = mapped_column(String(8), default="copy", server_default="copy")
    purpose: Mapped[str] = mapped_column(Text)
    scenario: Mapped[str] = mapped_column(Text, default="")
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | approved | refused | withdrawn
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deadline: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    # personal items the provider granted unmasked (明文), for this application's period only, on the legal
    # basis it stated (PIPL Art. 13, 34); every other personal item stays masked
    plain_items: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    plain_basis: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic lock: two approvals cannot both win

    resource: Mapped[Resource] = relationship()
    consumer: Mapped[Department] = relationship()
    __mapper_args__: ClassVar[dict] = {"version_id_col": version}


class Correction(Base):
    """A correction request (纠错) against a resource, tracked to closure."""

    __tablename__ = "correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | accepted | rejected | closed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)

    resource: Mapped[Resource] = relationship()
    reporter: Mapped[Department] = relationship()


class ApiKey(Base):
    """A department's key to the API; only its SHA-256 is stored."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists, so a key can be recognised
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | department
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    department: Mapped[Department] = relationship()


class WebSession(Base):
    """A login to the web UI: the browser holds a random token, never the API key; only the token's SHA-256
    is stored. It ends at logout, at ``expires_at``, or when its key is revoked or expires."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    api_key: Mapped[ApiKey] = relationship()


class Export(Base):
    """A bundle delivered to a consumer: one per application and published snapshot, never re-sent."""

    __tablename__ = "export"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    snapshot_id: Mapped[int] = mapped_column(BigInteger)
    items: Mapped[list[str]] = mapped_column(JSON)
    masked: Mapped[dict[str, str]] = mapped_column(JSON)  # column -> how it was masked or pseudonymised
    block_scope: Mapped[str | None] = mapped_column(String(23))  # the block-code prefix rows were limited to
    rows: Mapped[int] = mapped_column(BigInteger)
    bytes: Mapped[int] = mapped_column(BigInteger)
    location: Mapped[str] = mapped_column(String(500))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))  # of the rows delivered: unchanged data is not re-sent
    unchanged: Mapped[bool] = mapped_column(Boolean, default=False)  # recorded, not sent: same rows as before
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("application_id", "snapshot_id"),)


class CallLog(Base):
    """Every data API call, counted for the statistics."""

    __tablename__ = "call_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id"))
    path: Mapped[str] = mapped_column(String(300))
    status: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer, default=0)


class Verification(Base):
    """One verification call (数据核验): a consumer's own keys checked against a resource's published
    version. The keys themselves are not kept, only a digest of each, so the audit can answer "was this ID
    checked, by whom, when" without holding another copy of the consumer's list."""

    __tablename__ = "verification"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    snapshot_id: Mapped[int] = mapped_column(BigInteger)
    application_ids: Mapped[list[int]] = mapped_column(JSON)  # the grants it was answered under
    key_item: Mapped[str] = mapped_column(String(128))
    method: Mapped[str] = mapped_column(String(8))  # single | batch
    keys: Mapped[int] = mapped_column(Integer)
    found: Mapped[int] = mapped_column(Integer)
    key_digests: Mapped[list[str]] = mapped_column(JSON)  # catalog.verification.key_digest of each key, in order


class UsageRecord(Base):
    """A consumer's record of what shared data was used for (使用登记)."""

    __tablename__ = "usage_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    used_for: Mapped[str] = mapped_column(Text)  # the business it served
    outcome: Mapped[str] = mapped_column(Text, default="")  # what it achieved (成效), optional
    records_used: Mapped[int | None] = mapped_column(BigInteger)

    resource: Mapped[Resource] = relationship()
    consumer: Mapped[Department] = relationship()


class Rating(Base):
    """A consumer's rating of a shared resource (共享评价), 1–5 on each of three counts, with a comment."""

    __tablename__ = "rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"), index=True)
    accuracy: Mapped[int] = mapped_column(Integer)
    timeliness: Mapped[int] = mapped_column(Integer)
    completeness: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")

    resource: Mapped[Resource] = relationship()
    consumer: Mapped[Department] = relationship()


class DataRequest(Base):
    """A request for data the directory does not have (供需对接): filed by a department, assigned to a
    provider by the bureau, answered by the provider within a deadline in working days."""

    __tablename__ = "data_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))  # what is wanted
    purpose: Mapped[str] = mapped_column(Text)  # why
    items: Mapped[list[str]] = mapped_column(JSON)  # the items wanted, in the requester's words
    status: Mapped[str] = mapped_column(String(16), index=True)  # filed | assigned | answered | withdrawn
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deadline: Mapped[date | None] = mapped_column(Date)  # for the provider's answer
    answer: Mapped[str | None] = mapped_column(String(16))  # will_provide | cannot
    provide_by: Mapped[date | None] = mapped_column(Date)  # when the provider will provide it
    answer_text: Mapped[str | None] = mapped_column(Text)  # the reason it cannot, or how it will
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    requester: Mapped[Department] = relationship(foreign_keys=[requester_id])
    provider: Mapped[Department | None] = relationship(foreign_keys=[provider_id])


class AuditLog(Base):
    """Every decision and delivery: who did what to which object."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class DailyStat(Base):
    """The figures bureaus report, one row per day and scope (all, a department, a classification…)."""

    __tablename__ = "daily_stat"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    scope: Mapped[str] = mapped_column(String(16))  # all | department | classification | block_level
    key: Mapped[str] = mapped_column(String(64))
    source_units: Mapped[int] = mapped_column(Integer, default=0)
    resources: Mapped[int] = mapped_column(Integer, default=0)
    data_items: Mapped[int] = mapped_column(Integer, default=0)
    records: Mapped[int] = mapped_column(BigInteger, default=0)
    shared_records: Mapped[int] = mapped_column(BigInteger, default=0)
    sharing_rate: Mapped[float | None] = mapped_column(Float)
    applications: Mapped[int] = mapped_column(Integer, default=0)
    approved_applications: Mapped[int] = mapped_column(Integer, default=0)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    verification_calls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    verified_keys: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    usage_records: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ratings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (UniqueConstraint("day", "scope", "key"),)
