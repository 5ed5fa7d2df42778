"""Directory endpoints: open to everyone (the public sees the directory, not the data)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from catalog import db
from catalog.api import cache
from catalog.api.deps import Offset, PrincipalDep, SessionDep
from catalog.api.schemas import Page, ResourceDetail, ResourceSummary
from catalog.models import Department, Resource

router = APIRouter(prefix="/api/resources", tags=["directory"])


@router.get("", response_model=Page, response_class=cache.JSONBytes, summary="Search the directory")
def search(request: Request, session: SessionDep, _who: PrincipalDep, q: str = Query("", max_length=100),
           share_type: str | None = None, layer: str | None = None, provider: str | None = None,
           classification: str | None = Query(None, max_length=32), limit: int = Query(50, ge=1, le=500),
           offset: Offset = 0) -> cache.JSONBytes:
    """Full-text over name, abstract, code and provider; facets count the matches before the filters."""
    key = cache.request_key(request.app.state.database_url, request.url.path, request.scope["query_string"])
    url = request.app.state.database_url

    def compute() -> Page:
        with db.session(url) as own:
            return find(own, q, share_type, layer, provider, classification, limit, offset)

    return cache.cached_json(key, compute)


def find(session: SessionDep, q: str, share_type: str | None, layer: str | None, provider: str | None,
         classification: str | None, limit: int, offset: int) -> Page:
    """The search itself, for the API and the web pages."""
    matching = select(Resource.id).join(Resource.provider).where(Resource.active)
    if q:
        pattern = f"%{q}%"
        matching = matching.where(or_(Resource.name.like(pattern), Resource.abstract.like(pattern),
                                      Resource.code.like(pattern), Department.name.like(pattern)))
    facets = {name: _facet(session, matching, column) for name, column in _FACET_COLUMNS.items()}
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
    return Page(total=total or 0, items=[summary(r) for r in page], facets=facets)


_FACET_COLUMNS = {
    "share_type": Resource.share_type,
    "layer": Resource.layer,
    "provider": Department.code,
    "classification": func.substr(Resource.classification, 1, 1),
}


def _facet(session: SessionDep, matching, column) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).select_from(Resource).join(Resource.provider)
                           .where(Resource.id.in_(matching)).group_by(column))
    return {str(value): count for value, count in rows}


@router.get("/{code:path}", response_model=ResourceDetail, summary="One resource: metadata, items, versions")
def detail(code: str, session: SessionDep, _who: PrincipalDep) -> ResourceDetail:
    resource = session.scalar(select(Resource).where(Resource.code == code))
    if resource is None:
        raise HTTPException(404, f"no resource {code}")
    return ResourceDetail.model_validate(
        {**_fields(resource), "items": resource.items, "versions": resource.versions[:20]})


def summary(resource: Resource) -> ResourceSummary:
    return ResourceSummary.model_validate(_fields(resource))


def _fields(resource: Resource) -> dict:
    fields = {column.key: getattr(resource, column.key) for column in Resource.__table__.columns}
    return {**fields, "provider_name": resource.provider.name, "provider_code": resource.provider.uscc}
