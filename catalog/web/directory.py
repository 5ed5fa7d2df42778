"""The directory pages: the searchable list of resources (``/``) and one resource with its items, versions,
lineage, its ratings and the forms to apply for it, report an error, record its use and rate it
(``/resources/<code>``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from blocklake import column_lineage
from catalog import feedback, grants, search
from catalog.api.deps import SessionDep
from catalog.auth import Principal
from catalog.directory_import.guessing import FIELD_TITLES
from catalog.models import Application, Department, Resource, ResourceVersion, listed
from catalog.web.pages import CLASSES, DONE, LAYERS, WhoDep, not_found, page_url, parse_int, render

PAGE_SIZE = 20
MAX_PAGE = 1_000_000  # past it an offset overflows the store's integers; no directory has that many pages
FACETS = {"share_type": "共享类型", "layer": "层", "provider": "提供部门", "classification": "分类"}
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def directory_page(request: Request, session: SessionDep, who: WhoDep, q: str = "", share_type: str = "",
                   layer: str = "", provider: str = "", classification: str = "", page: str = "1") -> Response:
    filters = {"q": q.strip()[:100], "share_type": share_type[:16], "layer": layer[:16], "provider": provider[:64],
               "classification": classification[:32]}
    number = min(max(parse_int(page, 1), 1), MAX_PAGE)
    found = search.find(session, q=filters["q"], share_type=filters["share_type"] or None,
                        layer=filters["layer"] or None, provider=filters["provider"] or None,
                        classification=filters["classification"] or None, limit=PAGE_SIZE,
                        offset=(number - 1) * PAGE_SIZE)
    names = dict(session.execute(select(Department.code, Department.name)).all())
    labels = {"share_type": {}, "layer": LAYERS, "provider": names, "classification": CLASSES}
    facets = [
        {"title": title, "options": [
            {"label": labels[name].get(value, value), "count": count, "active": filters[name] == value,
             "url": page_url("/", filters, **{name: "" if filters[name] == value else value})}
            for value, count in sorted(found.facets.get(name, {}).items(), key=lambda kv: (-kv[1], kv[0]))]}
        for name, title in FACETS.items()]
    active = [{"label": f"{FACETS[name]}：{labels[name].get(value, value)}",
               "url": page_url("/", filters, **{name: ""})} for name, value in filters.items() if name != "q" and value]
    pages = max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(request, "directory.html", who, title="资源目录", found=found, filters=filters, facets=facets,
                  active=active, page=number, pages=pages,
                  previous=page_url("/", filters, page=str(number - 1)) if number > 1 else None,
                  next=page_url("/", filters, page=str(number + 1)) if number < pages else None)


@router.get("/resources/{code:path}", response_class=HTMLResponse)
def resource_page(request: Request, session: SessionDep, who: WhoDep, code: str) -> Response:
    resource = load_resource(session, code)
    if resource is None or (resource.pending and not _completes(who, resource)):
        return not_found(request, who, f"资源目录中没有代码为 {code} 的资源。")
    done = request.query_params.get("done")
    return resource_view(request, session, who, resource,
                         message=DONE.get(done) if done in ("corrected", "used", "rated") else None)


def _completes(who: Principal, resource: Resource) -> bool:
    """Who sees a 待补全 resource before it is listed: the bureau and the provider who must complete it."""
    return who.is_admin or (who.department is not None and who.department.id == resource.provider_id)


def load_resource(session: Session, code: str, *, active_only: bool = False) -> Resource | None:
    query = select(Resource).where(Resource.code == code).options(selectinload(Resource.items),
                                                                  selectinload(Resource.provider))
    if active_only:
        query = query.where(listed())
    return session.scalar(query)


def resource_view(request: Request, session: Session, who: Principal, resource: Resource, *, status: int = 200,
                   error: str | None = None, message: str | None = None, form: dict | None = None) -> Response:
    versions = session.scalars(select(ResourceVersion).where(ResourceVersion.resource_id == resource.id)
                               .order_by(ResourceVersion.snapshot_id.desc()).limit(20)).all()
    columns = column_lineage.read(resource.source_key)
    origin_tables = {table for origins in columns.values() for table, _ in origins}
    upstream = {key: (code, name) for key, code, name in session.execute(
        select(Resource.source_key, Resource.code, Resource.name)
        .where(Resource.source_key.in_([*(resource.upstream or []), *origin_tables])))}
    related = dict(session.execute(select(Resource.code, Resource.name)
                                   .where(Resource.code.in_(resource.related_codes or []))).all())
    department = who.department if who.role != "public" else None
    mine = []
    if department is not None:
        mine = session.scalars(select(Application).where(Application.resource_id == resource.id,
                                                         Application.consumer_id == department.id)
                               .order_by(Application.id.desc()).limit(10)).all()
    can_apply = (department is not None and department.id != resource.provider_id and resource.active
                 and not resource.pending
                 and resource.share_type != "不予共享")
    plain_grants = [a for a in grants.in_force(session, resource_id=resource.id, use="verify") if a.plain_items]
    return render(request, "resource.html", who, status=status, title=resource.name, resource=resource,
                  missing=[FIELD_TITLES.get(name, name) for name in resource.missing_fields],
                  versions=versions, upstream=upstream, columns=columns, related=related, mine=mine,
                  can_apply=can_apply,
                  plain_grants=plain_grants,
                  **_feedback(session, who, resource, used=any(a.status == "approved" for a in mine)),
                  can_correct=department is not None and resource.active and not resource.pending, error=error,
                  message=message,
                  form=form or {"items": [], "purpose": "", "scenario": "", "period_start": "", "period_end": "",
                                "description": "", "method": "copy"})


def _feedback(session: Session, who: Principal, resource: Resource, *, used: bool) -> dict:
    """The ratings part of a resource page: the averages for everyone; the ratings with their comments and
    the usage records for the rater, the provider and the bureau; the forms for a department granted it."""
    department = who.department if who.role != "public" else None
    can_feedback = (department is not None and department.id != resource.provider_id and resource.active
                    and (used or feedback.has_used(session, resource, department)))
    shown = department is not None
    return {"rating_summary": feedback.summary(session, resource), "can_feedback": can_feedback,
            "ratings": feedback.visible_ratings(session, who, resource=resource, limit=50) if shown else [],
            "usages": feedback.visible_usage(session, who, resource=resource, limit=20) if shown else []}
