"""The data-element inventory (一数一源): which departments' tables collect the same element — a name,
a resident ID, a phone, an address, a credit code — so the bureau can name one authoritative source
and cut repeated collection.

Elements are the registry's data elements (数据元) of each item — what its values were found and reviewed
to be, whatever the column is called — and, for a column the registry does not describe, the personal kind
the quality gate found in its values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.models import Resource

ELEMENTS = {
    "resident_id": "公民身份号码",
    "person_name": "姓名",
    "phone": "联系电话",
    "person_address": "个人地址",
    "uscc": "统一社会信用代码",
}
# a registry element, as the inventory counts it: a person's address is personal; any address is not
INVENTORY_ELEMENT = {"resident_id": "resident_id", "person_name": "person_name", "phone": "phone",
                     "uscc": "uscc"}
# Who holds each element by law: population register, business register.
AUTHORITATIVE = {"resident_id": "police", "person_name": "police", "person_address": "police", "uscc": "market"}


@dataclass
class ElementRow:
    element: str
    title: str
    authoritative: str | None
    collections: list[tuple[str, str, str]] = field(default_factory=list)  # (department, resource code, column)

    @property
    def departments(self) -> list[str]:
        return sorted({department for department, _, _ in self.collections})

    @property
    def repeated(self) -> int:
        """Departments collecting it besides the authoritative one."""
        return len([d for d in self.departments if d != self.authoritative])


def inventory(session: Session) -> list[ElementRow]:
    """One row per element, over the raw tables (what departments collect, not what the lake derives)."""
    rows = {element: ElementRow(element, title, AUTHORITATIVE.get(element)) for element, title in ELEMENTS.items()}
    resources = session.scalars(select(Resource).where(Resource.active, Resource.layer == "raw")
                                .options(selectinload(Resource.items), selectinload(Resource.provider)))
    for resource in resources:
        for item in resource.items:
            element = "person_address" if item.sensitive == "person_address" else (
                INVENTORY_ELEMENT.get(item.element or "") or item.sensitive)
            if element in rows:
                rows[element].collections.append((resource.provider.code, resource.code, item.column_name))
    return list(rows.values())


def summary(rows: list[ElementRow]) -> dict[str, int]:
    """Counted as bureaus report it: elements, collections, and collections beyond the authoritative source."""
    return {"elements": len(rows), "collections": sum(len(row.collections) for row in rows),
            "repeated_collections": sum(row.repeated for row in rows)}
