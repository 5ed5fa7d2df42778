"""What a quality check says, as declared in YAML beside the registry tables and the dbt models.

```yaml
quality:
  - {check: not_null, column: bldg_code}
  - {check: unique, columns: [unit_code]}
  - {check: resident_id, column: sfzh, severity: warn}
  - {check: resident_id_region_at_birth, column: sfzh, severity: warn}
  - {check: exists_in, column: community_code, reference: base.base_community.community_code}
  - {check: fresh, column: updated_at, max_age: 2d}
```

Light on purpose (pydantic only): the registry imports it at DAG-parse time. How a check runs lives
in :mod:`quality.expectations` (Great Expectations) and :mod:`quality.plain_sql`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import Field, model_validator

from blocklake.config_types import Duration, Strict
from blocklake.update_cycles import from_label
from blocklake.vocabulary import UPDATE_CYCLES, UpdateCycle

CheckKind = Literal[
    "not_null", "unique", "resident_id", "resident_id_region_at_birth", "uscc", "mobile", "phone", "division_code",
    "not_future", "accepted_values", "matches", "exists_in", "fresh", "row_count",
]
Severity = Literal["error", "warn"]
Dimension = Literal["completeness", "validity", "uniqueness", "consistency", "timeliness"]

DIMENSIONS: dict[str, Dimension] = {
    "not_null": "completeness", "row_count": "completeness",
    "unique": "uniqueness",
    "resident_id": "validity", "resident_id_region_at_birth": "validity", "uscc": "validity", "mobile": "validity",
    "phone": "validity",
    "division_code": "validity", "not_future": "validity", "accepted_values": "validity", "matches": "validity",
    "exists_in": "consistency",
    "fresh": "timeliness",
}
DIMENSION_TITLES: dict[Dimension, str] = {
    "completeness": "完整性", "validity": "有效性", "uniqueness": "唯一性", "consistency": "一致性",
    "timeliness": "及时性",
}
# How old the newest record may be, per update cycle of the directory (one cycle plus a day's grace).
CYCLE_MAX_AGE: dict[UpdateCycle, timedelta] = {  # 不定期 (irregular) has none
    cycle: max_age for cycle in UPDATE_CYCLES if (max_age := from_label(cycle).max_age) is not None
}


def freshness_bound(max_age: timedelta, today: date) -> datetime:
    """The oldest the newest record may be: the end of ``today`` minus ``max_age``."""
    return datetime.combine(today + timedelta(days=1), time.min) - max_age


_NEEDS: dict[str, tuple[str, ...]] = {
    "accepted_values": ("values",), "matches": ("pattern",), "exists_in": ("reference",), "fresh": ("max_age",),
}


class Check(Strict):
    """One rule about a table; ``mostly`` is the share of (non-null) rows that must pass."""

    check: CheckKind
    column: str | None = None
    columns: list[str] | None = Field(None, min_length=1, description="unique: the key, one or more columns.")
    severity: Severity = "error"
    mostly: float = Field(1.0, gt=0, le=1)
    values: list[str] | None = None
    pattern: str | None = None
    reference: str | None = Field(None, pattern=r"^\w+\.\w+\.\w+$", description="exists_in: schema.table.column")
    max_age: Duration | None = None
    min_rows: int = Field(1, ge=0, description="row_count: the fewest rows a published version may have.")
    description: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Check:
        if self.check == "unique":
            if not (self.columns or self.column):
                raise ValueError("a unique check needs 'columns: [...]' (or 'column')")
        elif self.check != "row_count" and not self.column:
            raise ValueError(f"a {self.check} check needs 'column'")
        missing = [field for field in _NEEDS.get(self.check, ()) if getattr(self, field) is None]
        if missing:
            raise ValueError(f"a {self.check} check needs {', '.join(missing)}")
        return self

    @property
    def key(self) -> list[str]:
        """The columns the check is about (empty for row_count)."""
        if self.columns:
            return list(self.columns)
        return [self.column] if self.column else []

    @property
    def name(self) -> str:
        """Stable within a suite: kind and columns (``unique:a,b``); used to match results back."""
        return f"{self.check}:{','.join(self.key)}" if self.key else self.check

    @property
    def dimension(self) -> Dimension:
        return DIMENSIONS[self.check]

    @property
    def blocking(self) -> bool:
        return self.severity == "error"


class Suite(Strict):
    """The checks of one lake table (``schema.table``)."""

    table: str = Field(pattern=r"^\w+\.\w+$")
    layer: str
    department: str | None = None
    title: str | None = None
    checks: list[Check]
    declared_in: str | None = Field(None, description="The file the table's checks come from, for messages.")
    sensitive: dict[str, str] = Field(default_factory=dict, description="Personal columns and their kind.")
    dated_by: str | None = Field(None, description="The column dating a record by the data's own time, if any: "
                                 "the newest is recorded with each publication (freshness by the data).")

    def sensitivity(self, check: Check) -> str | None:
        """How a failing value of ``check`` must be masked before it is shown or logged."""
        if check.check in ("resident_id", "resident_id_region_at_birth"):
            return "resident_id"
        if check.check in ("mobile", "phone"):
            return "phone"
        return next((self.sensitive[column] for column in check.key if column in self.sensitive), None)

    @property
    def schema_name(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".", 1)[1]


def merge_checks(derived: list[Check], declared: list[Check]) -> list[Check]:
    """Declared checks replace derived ones of the same name, and add to the rest."""
    names = {check.name for check in declared}
    return [*(check for check in derived if check.name not in names), *declared]
