"""Statistics: for departments and the bureau (the public sees the directory only)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Query, Request

from catalog import db, inventory, stats
from catalog.api import cache
from catalog.api.deps import DepartmentDep, SessionDep
from catalog.api.schemas import DayOut, FiguresOut, StatsOut

router = APIRouter(prefix="/api/stats", tags=["statistics"])


@router.get("", response_model=StatsOut, response_class=cache.JSONBytes, summary="Directory and sharing figures, now")
def figures(request: Request, session: SessionDep, _who: DepartmentDep) -> cache.JSONBytes:
    key = cache.request_key(request.app.state.database_url, request.url.path, request.scope["query_string"])
    url = request.app.state.database_url

    def compute() -> StatsOut:
        with db.session(url) as own:
            return _figures_now(own)

    return cache.cached_json(key, compute)


def _figures_now(session: SessionDep) -> StatsOut:
    current = stats.current(session)

    def out(scope: str) -> dict[str, FiguresOut]:
        return {key: _figures(entry) for key, entry in sorted(current.get(scope, {}).items())}

    return StatsOut(total=_figures(current["all"].get("*", stats.Figures())), by_department=out("department"),
                    by_classification=out("classification"), by_block_level=out("block_level"), by_street=out("street"))


@router.get("/inventory", summary="Data-element inventory (一数一源): who collects which element")
def element_inventory(session: SessionDep, _who: DepartmentDep) -> dict:
    rows = inventory.inventory(session)
    return {"summary": inventory.summary(rows), "elements": [
        {"element": row.element, "title": row.title, "authoritative": row.authoritative,
         "departments": row.departments, "repeated": row.repeated,
         "collections": [{"department": d, "resource_code": c, "column": col} for d, c, col in row.collections]}
        for row in rows]}


@router.get("/history", response_model=list[DayOut], summary="One row per day, for trends")
def history(session: SessionDep, _who: DepartmentDep, scope: str = Query("all", pattern="^(all|department|"
            "classification|block_level)$"), key: str = Query("*", max_length=64),
            days: int = Query(90, ge=1, le=3650)) -> list[DayOut]:
    return [DayOut.model_validate({column.key: getattr(row, column.key) for column in row.__table__.columns})
            for row in stats.history(session, scope, key, days)]


def _figures(entry: stats.Figures) -> FiguresOut:
    return FiguresOut(**asdict(entry), sharing_rate=entry.sharing_rate)
