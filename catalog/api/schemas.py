"""What the API answers with (OpenAPI schemas)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from blocklake.vocabulary import SharingMethod


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time the store keeps is UTC. Without an offset the
    answer would not be the RFC 3339 date-time the OpenAPI document promises."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ItemOut(Out):
    column_name: str
    name: str
    type_code: str
    sensitive: str | None
    sensitive_found: bool = Field(False, description="The gate found this kind in the values; no declaration named it.")


class VersionOut(Out):
    snapshot_id: int
    record_count: int | None
    quality_score: float | None
    published_at: UtcDatetime | None


class ResourceSummary(Out):
    code: str
    name: str
    classification: str
    provider: str = Field(validation_alias="provider_name")
    share_type: str
    update_cycle: str
    update_interval: str | None = Field(None, description="The cycle as an interval: ISO 8601 (P1D, P6M) or "
                                                          "realtime / irregular / unknown")
    layer: str
    record_count: int | None
    quality_score: float | None
    last_updated_at: UtcDatetime | None


class RatingSummaryOut(BaseModel):
    count: int = Field(description="Departments whose latest rating the averages count")
    ratings: int = Field(description="Every rating filed")
    accuracy: float | None
    timeliness: float | None
    completeness: float | None


class ResourceDetail(ResourceSummary):
    abstract: str
    provider_code: str
    format: str
    share_conditions: str | None
    share_method: str
    legal_basis: str | None
    open_to_public: bool
    block_level: str | None
    publish_date: date | None
    published_snapshot: int | None
    related_codes: list[str]
    upstream: list[str]
    items: list[ItemOut]
    versions: list[VersionOut]
    ratings: RatingSummaryOut | None = Field(None, description="Averages of the consumers' ratings (共享评价), "
                                             "public; the comments go to the rater, the provider and the bureau")


class Page(BaseModel):
    total: int
    items: list[ResourceSummary]
    facets: dict[str, dict[str, int]]


class ApplicationIn(BaseModel):
    resource_code: str
    items: list[str] = Field(min_length=1)
    purpose: str = Field(min_length=1, max_length=2000)
    scenario: str = Field("", max_length=2000)
    period_start: date | None = None
    period_end: date | None = None
    method: SharingMethod = Field("copy", description="copy: rows delivered (bundles, data API, SQL); "
                                                     "verify: 数据核验 only — the consumer's own keys checked")


class ApplicationOut(Out):
    id: int
    resource_code: str
    consumer: str
    items: list[str]
    purpose: str
    scenario: str
    status: str
    submitted_at: UtcDatetime
    deadline: date | None
    overdue: bool
    decided_at: UtcDatetime | None
    decided_by: str | None
    reason: str | None
    method: SharingMethod
    period_start: date | None
    period_end: date | None
    plain_items: list[str] = Field(description="Personal items granted unmasked, for the period only")
    plain_basis: str | None = Field(description="The legal basis the provider stated for the plain items")


class DecisionIn(BaseModel):
    reason: str | None = Field(None, max_length=2000)
    plain_items: list[str] = Field([], max_length=200, description="Approving: personal items to share unmasked")
    legal_basis: str = Field("", max_length=2000, description="Required with plain_items (PIPL Art. 13, 34)")


class CheckIn(BaseModel):
    key: str = Field(min_length=1, max_length=64)
    claims: dict[str, Annotated[str, Field(max_length=500)]] = Field(
        {}, max_length=50, description="item -> the value the consumer holds, to be compared")


class VerifyIn(BaseModel):
    resource_code: str = Field(max_length=64)
    key_item: str = Field(max_length=128, description="The granted item the keys are matched on")
    checks: list[CheckIn] = Field(min_length=1, max_length=1000)


class AnswerOut(BaseModel):
    key: str
    status: Literal["match", "mismatch", "not_found", "invalid"]
    found: bool
    matches: dict[str, bool]
    records: list[dict]


class VerifyOut(BaseModel):
    resource_code: str
    snapshot_id: int
    key_item: str
    items: list[str]
    masked: list[str]
    plain: list[str]
    verification_id: int
    summary: dict[str, int]
    answers: list[AnswerOut]


class CorrectionIn(BaseModel):
    resource_code: str
    description: str = Field(min_length=1, max_length=4000)


class CorrectionOut(Out):
    id: int
    resource_code: str
    reporter: str
    description: str
    status: str
    created_at: UtcDatetime
    resolved_at: UtcDatetime | None
    resolution: str | None


class ResolutionIn(BaseModel):
    accepted: bool
    resolution: str = Field(min_length=1, max_length=4000)


class UsageIn(BaseModel):
    resource_code: str = Field(max_length=64)
    used_for: str = Field(min_length=1, max_length=2000)
    outcome: str = Field("", max_length=2000)
    records_used: int | None = Field(None, ge=0, le=10**15)


class UsageOut(Out):
    id: int
    at: UtcDatetime
    resource_code: str
    consumer: str
    used_for: str
    outcome: str
    records_used: int | None


Score = Annotated[int, Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")]


class RatingIn(BaseModel):
    resource_code: str = Field(max_length=64)
    accuracy: Score
    timeliness: Score
    completeness: Score
    comment: str = Field("", max_length=1000)


class RatingOut(Out):
    id: int
    at: UtcDatetime
    resource_code: str
    consumer: str
    accuracy: int
    timeliness: int
    completeness: int
    comment: str


class FiguresOut(BaseModel):
    source_units: int
    resources: int
    data_items: int
    records: int
    shared_records: int
    sharing_rate: float | None
    applications: int
    approved_applications: int
    api_calls: int
    verification_calls: int
    verified_keys: int
    usage_records: int
    ratings: int


class StatsOut(BaseModel):
    total: FiguresOut
    by_department: dict[str, FiguresOut]
    by_classification: dict[str, FiguresOut]
    by_block_level: dict[str, FiguresOut]
    by_street: dict[str, FiguresOut] = Field(description="block resources' records per street code")


class DayOut(FiguresOut):
    day: date


class KeyIn(BaseModel):
    department_code: str
    role: str = Field("department", pattern="^(department|admin)$")
    label: str = ""
    valid_days: int | None = Field(None, ge=1, le=3650)


class KeyOut(BaseModel):
    id: int
    key: str | None = None  # shown once, when issued
    prefix: str
    department_code: str
    role: str


class RowsOut(BaseModel):
    resource_code: str
    snapshot_id: int
    items: list[str]
    masked: list[str]
    rows: list[dict]
    offset: int
    limit: int


class DataRequestIn(BaseModel):
    title: str = Field(min_length=1, max_length=200, description="What data is wanted")
    purpose: str = Field(min_length=1, max_length=2000, description="Why")
    items: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=100, description="The items wanted, in the requester's words; may be empty")


class AssignIn(BaseModel):
    provider_code: str = Field(min_length=1, max_length=64)


class AnswerIn(BaseModel):
    answer: Literal["will_provide", "cannot"]
    provide_by: date | None = Field(None, description="With will_provide: the day the data will be provided")
    text: str | None = Field(None, max_length=2000, description="With cannot: the reason (required); else a note")


class DataRequestOut(Out):
    id: int
    requester: str
    title: str
    purpose: str
    items: list[str]
    status: str = Field(description="filed | assigned | answered | withdrawn")
    filed_at: UtcDatetime
    provider: str | None
    assigned_at: UtcDatetime | None
    deadline: date | None
    overdue: bool
    answer: str | None = Field(description="will_provide | cannot")
    provide_by: date | None
    answer_text: str | None
    answered_at: UtcDatetime | None
