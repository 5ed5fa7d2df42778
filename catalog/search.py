"""Searching the directory: text over a resource's name, abstract, code and provider, filters by share
type, layer, provider and classification, and facet counts of the matches before the filters. One
search behind both the API (``GET /api/resources``) and the web's directory page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from catalog.models import Department, Resource, listed

FACET_COLUMNS: dict[str, ColumnElement] = {
    "share_type": Resource.share_type,
    "layer": Resource.layer,
    "provider": Department.code,
    "classification": func.substr(Resource.classification, 1, 1),
}


@dataclass(frozen=True)
class Found:
    total: int
    resources: list[Resource]  # this page of them, in code order, each with its provider loaded
    facets: dict[str, dict[str, int]]  # facet -> value -> matches


def find(session: Session, *, q: str = "", share_type: str | None = None, layer: str | None = None,
         provider: str | None = None, classification: str | None = None, limit: int | None = 50,
         offset: int = 0) -> Found:
    """Listed resources (``catalog.models.listed``) matching ``q``, then the filters; ``provider`` is a
    department code; ``limit`` None for all of them."""
    matching = select(Resource.id).join(Resource.provider).where(listed())
    if q:
        pattern = f"%{q}%"
        matching = matching.where(or_(Resource.name.like(pattern), Resource.abstract.like(pattern),
                                      Resource.code.like(pattern), Department.name.like(pattern)))
    facets = {name: _facet(session, matching, column) for name, column in FACET_COLUMNS.items()}
    filters = [Resource.id.in_(matching)]
    if share_type:
        filters.append(Resource.share_type == share_type)
    if layer:
        filters.append(Resource.layer == layer)
    if provider:
        filters.append(Resource.provider_id.in_(select(Department.id).where(Department.code == provider)))
    if classification:
        filters.append(Resource.classification.startswith(classification, autoescape=True))
    total = session.scalar(select(func.count()).select_from(Resource).where(*filters))
    page = session.scalars(select(Resource).where(*filters).options(selectinload(Resource.provider))
                           .order_by(Resource.code).limit(limit).offset(offset))
    return Found(total=total or 0, resources=list(page), facets=facets)


def _facet(session: Session, matching: Select, column: ColumnElement) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).select_from(Resource).join(Resource.provider)
                           .where(Resource.id.in_(matching)).group_by(column))
    return {str(value): count for value, count in rows}
