"""Registering read rows in the catalog: create or update one resource per row (by its code), its
provider the matched department or, when none matched, a department registered under the name the
file gives (so the bureau can see who must complete what). Imported resources have no lake table:
their ``source_key`` is ``directory:<code>`` and their layer ``directory``."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog.directory_import.providers import Department as MatchedDepartment
from catalog.directory_import.rows import RowOutcome
from catalog.models import DataItem, Department, Resource
from catalog.schemas import DataItemEntry

IMPORTED_LAYER = "directory"
SOURCE_KEY_PREFIX = "directory:"
UNNAMED_PROVIDER = "未注明提供方"


def source_key(code: str) -> str:
    return f"{SOURCE_KEY_PREFIX}{code}"


class Writer:
    """Writes rows of one import in one session; created and updated count what it did."""

    def __init__(self, session: Session, platform: str | None):
        self.session = session
        self.platform = platform[:64] if platform else None  # Resource.imported_from
        self.departments = {dept.code: dept for dept in session.scalars(select(Department))}
        self.by_code = {resource.code: resource for resource in session.scalars(
            select(Resource).options(selectinload(Resource.items)))}
        self.sequences = dict(session.execute(select(Resource.classification, func.max(Resource.sequence))
                                              .group_by(Resource.classification)).all())
        self.created = self.updated = 0

    def write(self, outcome: RowOutcome) -> None:
        existing = self.by_code.get(outcome.code)
        if existing is not None and not existing.source_key.startswith(SOURCE_KEY_PREFIX):
            outcome.status, outcome.reason = "refused", f"代码 {outcome.code} 已属于湖中的表 {existing.source_key}"
            return
        resource = existing or self._new(outcome)
        self._apply(resource, outcome)
        if existing is None:
            self.by_code[outcome.code] = resource
            self.created += 1
        else:
            self.updated += 1

    def _new(self, outcome: RowOutcome) -> Resource:
        classification = outcome.values.get("classification", "")
        resource = Resource(code=outcome.code, source_key=source_key(outcome.code), layer=IMPORTED_LAYER,
                            classification=classification, sequence=self._sequence(classification, outcome.code),
                            registered_at=datetime.now(UTC))
        self.session.add(resource)
        return resource

    def _sequence(self, classification: str, code: str) -> int:
        """The code's own sequence (1.01.001/000007 → 7) if free, else the next in its classification."""
        match = re.fullmatch(rf"{re.escape(classification)}/(\d+)", code) if classification else None
        following = (self.sequences.get(classification) or 0) + 1
        sequence = max(int(match[1]), following) if match else following
        self.sequences[classification] = sequence
        return sequence

    def _apply(self, resource: Resource, outcome: RowOutcome) -> None:
        values = outcome.values
        interval = values.get("update_cycle")
        open_type = outcome.open_type
        resource.name = outcome.name[:200]
        resource.provider = self._department(outcome)
        resource.abstract = values.get("abstract", "")
        resource.format = ",".join(values.get("format", []))[:200] or "数据库"
        resource.share_type = values.get("share_type", "")
        resource.share_conditions = values.get("share_conditions")
        resource.share_method = values.get("share_method", "接口")
        resource.open_to_public = open_type.open_to_public if open_type else False
        resource.open_conditions = values.get("open_conditions") or (open_type.conditions if open_type else None)
        resource.update_cycle = interval.title if interval else ""
        resource.update_interval = interval.code if interval else None
        resource.publish_date = values.get("publish_date")
        resource.related_codes = values.get("related_codes", [])
        updated = values.get("updated_date")
        resource.last_updated_at = datetime.combine(updated, time.min, UTC) if updated else None
        resource.missing_fields = list(outcome.missing)
        resource.pending = bool(outcome.missing)
        resource.imported_from = self.platform
        resource.active = True
        if "classification" in values and resource.classification != values["classification"]:
            resource.classification = values["classification"]
            resource.sequence = self._sequence(values["classification"], outcome.code)
        self._items(resource, values.get("items", []))

    def _items(self, resource: Resource, entries: list[DataItemEntry]) -> None:
        items = [DataItem(position=position, column_name=(entry.column or entry.name)[:128], name=entry.name[:200],
                          type_code=entry.type_code, sensitive=entry.sensitive and entry.sensitive[:32])
                 for position, entry in enumerate(entries, 1)]
        if [_described(item) for item in resource.items] != [_described(item) for item in items]:
            resource.items = items

    def _department(self, outcome: RowOutcome) -> Department:
        if outcome.provider is not None:
            return self.departments[outcome.provider.code]
        name = outcome.provider_name or UNNAMED_PROVIDER
        code = "imported_" + hashlib.sha1(name.encode()).hexdigest()[:10]
        if code not in self.departments:
            self.departments[code] = Department(code=code, name=name[:200], kind="imported")
            self.session.add(self.departments[code])
        return self.departments[code]


def _described(item: DataItem) -> tuple[str, str, str, str | None]:
    return item.column_name, item.name, item.type_code, item.sensitive


def known_departments(session: Session) -> list[MatchedDepartment]:
    """The departments a provider's name can match: every registered one but those an import made up."""
    return [MatchedDepartment(dept.code, dept.name, dept.uscc)
            for dept in session.scalars(select(Department).where(Department.kind != "imported"))]
