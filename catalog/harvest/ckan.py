"""The directory as CKAN packages, for the CKAN Action API subset (``/api/3/action/…``) that portals and
harvesters (ckanext-harvest's CKAN harvester, ``ckanapi``) read: ``package_search``, ``package_show``,
``package_list``, ``organization_list``, ``status_show``.

A resource is a package (id = its code, name = the code as a CKAN name), its provider the organization,
each format a CKAN resource, the keywords its tags; the guide's fields CKAN has no field for are extras
keyed by the guide's own names (``共享类型``, ``更新周期``…), as the directory's files are."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from blocklake.errors import BlocklakeError
from catalog.harvest import listing, terms
from catalog.models import Department, Resource
from catalog.schemas import DataItemEntry, DirectoryEntry

CKAN_VERSION = "2.10.0"  # the Action API whose answers these imitate
MAX_ROWS = 1000  # CKAN's own default ceiling of ``rows`` (ckan.search.rows_max)
DEFAULT_ROWS = 10
NAME_CHARACTERS = re.compile(r"[^a-z0-9_-]")
FILTER = re.compile(r'\s*(?:AND\s+)?\+?(\w+):(?:"([^"]*)"|(\S+))\s*')
ALIAS = {name: spec.alias for name, spec in DirectoryEntry.model_fields.items()}
ALIAS_ITEM = {name: spec.alias for name, spec in DataItemEntry.model_fields.items()}


class CkanError(BlocklakeError):
    """An Action API call that cannot be answered; its CKAN error type, HTTP status and message."""

    def __init__(self, status: int, kind: str, message: str, fields: Mapping[str, list[str]] | None = None):
        self.status, self.kind, self.fields = status, kind, dict(fields or {})
        super().__init__(message)

    def body(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": str(self), **self.fields}


def invalid(name: str, message: str) -> CkanError:
    return CkanError(409, "Validation Error", f"{name}: {message}", {name: [message]})


def not_found(what: str) -> CkanError:
    return CkanError(404, "Not Found Error", f"Not found: {what}")


# --- packages --------------------------------------------------------------------------------------------

def package_name(code: str) -> str:
    """A code as a CKAN name (lower-case letters, digits, - and _): 1.01.001/000001 → 1-01-001--000001."""
    return NAME_CHARACTERS.sub("_", code.lower().replace("/", "--").replace(".", "-"))


def organization(department: Department) -> dict[str, Any]:
    return {"id": department.code, "name": package_name(department.code), "title": department.name,
            "type": "organization", "is_organization": True, "state": "active", "approval_status": "approved",
            "description": "", "image_url": ""}


def package(resource: Resource, links: terms.Links) -> dict[str, Any]:
    """A listed resource as a CKAN package dict."""
    tags = [{"name": word, "display_name": word, "state": "active", "vocabulary_id": None}
            for word in terms.keywords(resource)]
    resources = [package_resource(resource, word, position, links)
                 for position, word in enumerate(terms.formats(resource))]
    created = stamp(resource.registered_at)
    return {
        "id": resource.code, "name": package_name(resource.code), "title": resource.name, "type": "dataset",
        "notes": resource.abstract, "state": "active", "private": False, "isopen": resource.open_to_public,
        "url": links.page(resource.code), "version": None, "license_id": None, "license_title": None,
        "author": resource.provider.name, "author_email": None, "maintainer": resource.provider.name,
        "maintainer_email": None, "metadata_created": created,
        "metadata_modified": stamp(modified(resource)),
        "owner_org": resource.provider.code, "organization": organization(resource.provider),
        "tags": tags, "num_tags": len(tags), "resources": resources, "num_resources": len(resources),
        "groups": [], "relationships_as_object": [], "relationships_as_subject": [],
        "extras": extras(resource),
    }


def package_resource(resource: Resource, word: str, position: int, links: terms.Links) -> dict[str, Any]:
    known = terms.file_type(word)
    return {"id": f"{resource.code}#{position + 1}", "package_id": resource.code, "position": position,
            "name": f"{resource.name}（{word}）", "description": "", "format": known.code if known else word,
            "mimetype": known.media_type if known else None, "url": links.access(resource), "state": "active",
            "url_type": None, "created": stamp(resource.registered_at),
            "last_modified": stamp(resource.last_updated_at)}


def extras(resource: Resource) -> list[dict[str, str]]:
    """The guide's fields CKAN has no field for, under the guide's names, with the EU terms they map to."""
    values: dict[str, Any] = {
        ALIAS["classification"]: resource.classification, ALIAS["code"]: resource.code,
        ALIAS["provider_code"]: resource.provider.uscc, ALIAS["share_type"]: resource.share_type,
        ALIAS["share_conditions"]: resource.share_conditions, ALIAS["share_method"]: resource.share_method,
        ALIAS["open_to_public"]: "是" if resource.open_to_public else "否",
        ALIAS["open_conditions"]: resource.open_conditions, ALIAS["update_cycle"]: resource.update_cycle,
        ALIAS["publish_date"]: resource.publish_date.isoformat() if resource.publish_date else None,
        ALIAS["related_codes"]: ",".join(resource.related_codes),
        ALIAS["items"]: json.dumps([{ALIAS_ITEM["column"]: item.column_name, ALIAS_ITEM["name"]: item.name,
                                     ALIAS_ITEM["type_code"]: item.type_code} for item in resource.items],
                                   ensure_ascii=False),
        "access_rights": terms.access_right(resource), "frequency": terms.frequency(resource),
    }
    return [{"key": key, "value": str(value)} for key, value in values.items() if value not in (None, "")]


def modified(resource: Resource) -> datetime:
    """When a harvester should look at the package again: the later of its registration and its data's last
    update (a harvest keyed on metadata_modified must never see it fall behind metadata_created)."""
    moments = [moment for moment in (resource.registered_at, resource.last_updated_at) if moment is not None]
    return max(moments, key=lambda moment: moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def stamp(moment: datetime | None) -> str | None:
    """CKAN's timestamps: ISO 8601 in UTC without an offset."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat()


# --- package_search --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    organizations: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    rows: int = DEFAULT_ROWS
    start: int = 0
    sort: list[tuple[str, bool]] = field(default_factory=lambda: [("name", False)])  # field, descending


SORT_KEYS: dict[str, Callable[[Resource], Any]] = {
    "name": lambda resource: package_name(resource.code),
    "id": lambda resource: resource.code,
    "title": lambda resource: resource.name,
    "title_string": lambda resource: resource.name,
    "metadata_modified": lambda resource: stamp(modified(resource)) or "",
    "metadata_created": lambda resource: stamp(resource.registered_at) or "",
    "score": lambda resource: 0,  # no ranking: ties keep the next key's order
}
FILTER_FIELDS = {"organization": "organizations", "owner_org": "organizations", "tags": "tags",
                 "res_format": "formats"}


def parse_search(params: Mapping[str, Any]) -> SearchQuery:
    """package_search's parameters as CKAN takes them; a bad one is a Validation Error naming it."""
    q = str(params.get("q") or "").strip()
    if q in ("*:*", "*"):
        q = ""
    filters: dict[str, list[str]] = {"organizations": [], "tags": [], "formats": []}
    for name, value in parse_fq(str(params.get("fq") or "")):
        filters[FILTER_FIELDS[name]].append(value.lower() if name != "tags" else value)
    return SearchQuery(q=q[:100], organizations=tuple(filters["organizations"]), tags=tuple(filters["tags"]),
                       formats=tuple(filters["formats"]),
                       rows=integer(params, "rows", DEFAULT_ROWS, MAX_ROWS), start=integer(params, "start", 0, 2**31),
                       sort=parse_sort(str(params.get("sort") or "name asc")))


def parse_fq(fq: str) -> list[tuple[str, str]]:
    """``organization:alpha tags:"有条件共享"`` → [(organization, alpha), (tags, 有条件共享)]."""
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(fq):
        match = FILTER.match(fq, position)
        if match is None or match.end() == position:
            raise invalid("fq", f"cannot read {fq[position:][:40]!r}: write field:value or field:\"a value\"")
        name = match.group(1)
        if name not in FILTER_FIELDS:
            raise invalid("fq", f"unknown field {name!r}; known: {', '.join(sorted(FILTER_FIELDS))}")
        found.append((name, match.group(2) if match.group(2) is not None else match.group(3)))
        position = match.end()
    return found


def parse_sort(sort: str) -> list[tuple[str, bool]]:
    order: list[tuple[str, bool]] = []
    for clause in filter(None, (part.strip() for part in sort.split(","))):
        name, _, direction = clause.partition(" ")
        direction = direction.strip().lower() or "asc"
        if name not in SORT_KEYS or direction not in ("asc", "desc"):
            raise invalid("sort", f"cannot sort by {clause!r}; use one of {', '.join(SORT_KEYS)} with asc or desc")
        order.append((name, direction == "desc"))
    return order or [("name", False)]


def integer(params: Mapping[str, Any], name: str, default: int, ceiling: int) -> int:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid(name, "Invalid integer") from None
    if not 0 <= number <= ceiling:
        raise invalid(name, f"must be between 0 and {ceiling}")
    return number


def package_search(session: Session, query: SearchQuery) -> tuple[int, list[Resource]]:
    """The listed resources matching ``query`` (the directory's own text search), sorted; their count and
    the page of them."""
    provider = organization_code(session, query.organizations)
    matching = [resource for resource in listing.matching(session, query.q, provider) if matches(resource, query)]
    for name, descending in reversed(query.sort):  # stable sorts, last key first
        matching.sort(key=SORT_KEYS[name], reverse=descending)
    return len(matching), listing.with_items(session, matching[query.start:query.start + query.rows])


def organization_code(session: Session, names: tuple[str, ...]) -> str | None:
    """The department code of the one organization filtered by, so that the store filters by it (None for
    no or several organizations: :func:`matches` filters those)."""
    if len(set(names)) != 1:
        return None
    return next((department.code for department in listing.providers(session)
                 if names[0] in (department.code.lower(), package_name(department.code))), names[0])


def matches(resource: Resource, query: SearchQuery) -> bool:
    organization_names = {resource.provider.code.lower(), package_name(resource.provider.code)}
    return (all(name in organization_names for name in query.organizations)
            and all(tag in terms.keywords(resource) for tag in query.tags)
            and all(word in {f.lower() for f in terms.formats(resource)} | file_type_codes(resource)
                    for word in query.formats))


def file_type_codes(resource: Resource) -> set[str]:
    return {known.code.lower() for word in terms.formats(resource) if (known := terms.file_type(word))}


# --- package_show, package_list, organization_list -------------------------------------------------------

def package_show(session: Session, identifier: str) -> Resource:
    """The listed resource whose code or CKAN name is ``identifier``."""
    resource = listing.listed_resource(session, identifier)
    if resource is None:
        code = next((code for code in listing.listed_codes(session) if package_name(code) == identifier), None)
        resource = listing.listed_resource(session, code) if code else None
    if resource is None:
        raise not_found(f"package {identifier!r}")
    return resource


def package_list(session: Session, limit: int | None, offset: int) -> list[str]:
    names = sorted(package_name(code) for code in listing.listed_codes(session))
    return names[offset:offset + limit if limit is not None else None]

