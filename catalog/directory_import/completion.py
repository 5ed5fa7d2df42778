"""What each provider must still complete: its 待补全 resources, with the fields each lacks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.directory_import.guessing import FIELD_TITLES
from catalog.models import Resource


@dataclass(frozen=True)
class ToComplete:
    code: str
    name: str
    missing: list[str]  # the fields' titles


def to_complete(session: Session) -> dict[str, list[ToComplete]]:
    """Provider name -> its pending resources, providers with the most first."""
    pending = session.scalars(select(Resource).where(Resource.active, Resource.pending)
                              .options(selectinload(Resource.provider)).order_by(Resource.code))
    by_provider: dict[str, list[ToComplete]] = {}
    for resource in pending:
        missing = [FIELD_TITLES.get(name, name) for name in resource.missing_fields]
        by_provider.setdefault(resource.provider.name, []).append(ToComplete(resource.code, resource.name, missing))
    return dict(sorted(by_provider.items(), key=lambda pair: -len(pair[1])))
