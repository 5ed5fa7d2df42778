"""A CKAN-compatible Action API subset (``/api/3/action/<action>`` and, as CKAN also answers and ``ckanapi``
calls it, ``/api/action/<action>``; GET with query parameters or POST with
a JSON object, as CKAN takes both) so existing harvesters and portals read the directory unchanged. Answers
and errors come in CKAN's envelope (``help``, ``success``, ``result`` or ``error``). Open as the directory
is: what the public directory lists (:func:`catalog.models.listed`), nothing more."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from catalog.api.deps import PrincipalDep, SessionDep
from catalog.harvest import ckan, listing, terms
from catalog.harvest.ckan import CkanError

router = APIRouter(tags=["harvest"])
PREFIXES = ("/api/3/action", "/api/action")  # the versioned path CKAN documents, the one ckanapi calls
ENVELOPE = {"content": {"application/json": {"schema": {"type": "object"}}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "CKAN's envelope: help, success, result", **ENVELOPE},
    400: {"description": "the body is not a JSON object", **ENVELOPE},
    404: {"description": "CKAN's Not Found Error", **ENVELOPE},
    409: {"description": "CKAN's Validation Error, naming the parameter", **ENVELOPE},
}
METHODS = ["GET", "POST"]
Endpoint = TypeVar("Endpoint", bound=Callable[..., JSONResponse])


async def action_params(request: Request) -> dict[str, Any]:
    """The query parameters, and a POSTed JSON object's members over them."""
    params: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        body = await request.body()
        try:
            posted = json.loads(body) if body.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            posted = None
        if not isinstance(posted, dict):
            raise ckan.CkanError(400, "Bad request", "Bad request - JSON Error: the body must be a JSON object")
        params.update(posted)
    return params


Params = Annotated[dict[str, Any], Depends(action_params)]


def answer(request: Request, result: Any) -> JSONResponse:
    return JSONResponse({"help": help_url(request), "success": True, "result": result})


def error_answer(request: Request, exc: Exception) -> JSONResponse:
    """A :class:`CkanError` in CKAN's error envelope, with its status (404, 409, 400)."""
    assert isinstance(exc, CkanError)
    return JSONResponse({"help": help_url(request), "success": False, "error": exc.body()}, status_code=exc.status)


def help_url(request: Request) -> str:
    action = request.url.path.rsplit("/", 1)[-1]
    return f"{request.base_url}{PREFIXES[0][1:]}/help_show?name={action}"


def links(request: Request) -> terms.Links:
    return terms.Links(str(request.base_url))


def action(name: str, summary: str) -> Callable[[Endpoint], Endpoint]:
    """Register an action for GET and for POST, each its own operation in the OpenAPI document (one route
    with both methods would give both the same operation id)."""
    def register(endpoint: Endpoint) -> Endpoint:
        for method in METHODS:
            router.add_api_route(f"/{name}", endpoint, methods=[method], response_class=JSONResponse,
                                 responses=RESPONSES, summary=summary, operation_id=f"ckan_{name}_{method.lower()}")
        return endpoint
    return register


@action("package_search", "CKAN package_search: q, fq (organization, tags, res_format), rows, start, sort")
def package_search(request: Request, session: SessionDep, _who: PrincipalDep, params: Params) -> JSONResponse:
    query = ckan.parse_search(params)
    count, page = ckan.package_search(session, query)
    sort = ", ".join(f"{name} {'desc' if descending else 'asc'}" for name, descending in query.sort)
    return answer(request, {"count": count, "sort": sort, "facets": {}, "search_facets": {},
                            "results": [ckan.package(resource, links(request)) for resource in page]})


@action("package_show", "CKAN package_show: id is a resource code or its CKAN name")
def package_show(request: Request, session: SessionDep, _who: PrincipalDep, params: Params) -> JSONResponse:
    identifier = str(params.get("id") or params.get("name_or_id") or "").strip()
    if not identifier:
        raise ckan.invalid("id", "Missing value")
    return answer(request, ckan.package(ckan.package_show(session, identifier), links(request)))


@action("package_list", "CKAN package_list: the names of all listed packages (limit, offset)")
def package_list(request: Request, session: SessionDep, _who: PrincipalDep, params: Params) -> JSONResponse:
    limit = ckan.integer(params, "limit", 0, 2**31) if params.get("limit") not in (None, "") else None
    offset = ckan.integer(params, "offset", 0, 2**31)
    return answer(request, ckan.package_list(session, limit, offset))


@action("organization_list", "CKAN organization_list: the providing departments (all_fields for their dicts)")
def organization_list(request: Request, session: SessionDep, _who: PrincipalDep, params: Params) -> JSONResponse:
    return answer(request, organizations(session, all_fields=truthy(params.get("all_fields"))))


@action("status_show", "CKAN status_show: the API version this subset answers as")
def status_show(request: Request, _who: PrincipalDep) -> JSONResponse:
    return answer(request, {"ckan_version": ckan.CKAN_VERSION, "site_title": "Blocklake 政务数据资源目录",
                            "site_description": "资源目录（DCAT-AP 3 见 /api/dcat）", "site_url": str(request.base_url),
                            "locale_default": "zh_Hans_CN", "extensions": []})


def organizations(session: Session, *, all_fields: bool) -> list[Any]:
    found = listing.providers(session)
    return [ckan.organization(department) for department in found] if all_fields else [
        ckan.package_name(department.code) for department in found]


def truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes")
