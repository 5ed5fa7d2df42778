"""The directory as DCAT-AP 3 (JSON-LD) for harvesters: the catalog a page at a time, and one dataset.
Open as the directory is: what the public directory lists (:func:`catalog.models.listed`), nothing more."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Query, Request, Response
from sqlalchemy import select

from catalog import search
from catalog.api.deps import PrincipalDep, SessionDep
from catalog.harvest import dcat, listing, terms
from catalog.models import Department

router = APIRouter(prefix="/api/dcat", tags=["harvest"])
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000
MAX_PAGE = 1_000_000  # past it an offset overflows the store's integers; no directory has that many pages
JSON_LD = {200: {"description": "JSON-LD (DCAT-AP 3)", "content": {dcat.MEDIA_TYPE: {"schema": {"type": "object"}}}}}


@router.get("", response_class=Response, responses=JSON_LD, summary="The directory as a DCAT-AP 3 catalog (paged)")
def catalog(request: Request, session: SessionDep, _who: PrincipalDep, page: int = Query(1, ge=1, le=MAX_PAGE),
            per_page: int = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE)) -> Response:
    """A dcat:Catalog with the listed resources of this page as dcat:Dataset; ``hydra:view`` links the pages."""
    found = search.find(session, limit=per_page, offset=(page - 1) * per_page)
    bureau = session.scalar(select(Department).where(Department.kind == "bureau").order_by(Department.id).limit(1))
    document = dcat.catalog_page(listing.with_items(session, found.resources), total=found.total, page=page,
                                 per_page=per_page, publisher=bureau, links=links(request))
    return json_ld(document)


@router.get("/datasets/{code:path}", response_class=Response, responses=JSON_LD,
            summary="One resource as a dcat:Dataset")
def dataset(code: str, request: Request, session: SessionDep, _who: PrincipalDep) -> Response:
    resource = listing.listed_resource(session, code)
    if resource is None:
        raise HTTPException(404, f"no resource {code} in the directory")
    return json_ld(dcat.dataset_document(resource, links(request)))


def links(request: Request) -> terms.Links:
    return terms.Links(str(request.base_url))


def json_ld(document: dict) -> Response:
    return Response(json.dumps(document, ensure_ascii=False), media_type=dcat.MEDIA_TYPE)
