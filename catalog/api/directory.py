"""Directory endpoints: open to everyone (the public sees the directory, not the data)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import select

from catalog import db
from catalog import search as directory_search
from catalog.api import cache, feedback
from catalog.api.deps import Offset, PrincipalDep, SessionDep
from catalog.api.schemas import Page, ResourceDetail, ResourceSummary
from catalog.models import Resource, visible

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
            found = directory_search.find(own, q=q, share_type=share_type, layer=layer, provider=provider,
                                          classification=classification, limit=limit, offset=offset)
            return Page(total=found.total, items=[summary(r) for r in found.resources], facets=found.facets)

    return cache.cached_json(key, compute)


@router.get("/{code:path}", response_model=ResourceDetail, summary="One resource: metadata, items, versions")
def detail(code: str, session: SessionDep, _who: PrincipalDep) -> ResourceDetail:
    resource = session.scalar(select(Resource).where(Resource.code == code, visible()))
    if resource is None:
        raise HTTPException(404, f"no resource {code}")
    return ResourceDetail.model_validate(
        {**_fields(resource), "items": resource.items, "versions": resource.versions[:20],
         "ratings": feedback.summary_out(session, resource)})


def summary(resource: Resource) -> ResourceSummary:
    return ResourceSummary.model_validate(_fields(resource))


def _fields(resource: Resource) -> dict:
    fields = {column.key: getattr(resource, column.key) for column in Resource.__table__.columns}
    return {**fields, "provider_name": resource.provider.name, "provider_code": resource.provider.uscc}
