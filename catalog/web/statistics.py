"""The sharing statistics page (共享统计): records, sharing rates and their trend, by department,
classification, block level and street, with inline SVG charts."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from catalog import stats
from catalog.api.deps import SessionDep
from catalog.models import Department
from catalog.web.charts import bar_chart, line_chart
from catalog.web.pages import BLOCK_LEVELS, CLASSES, WhoDep, render, to_login

router = APIRouter(include_in_schema=False)


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, session: SessionDep, who: WhoDep) -> Response:
    if who.role == "public":
        return to_login("/stats")
    figures = stats.current(session)
    total = figures["all"].get("*", stats.Figures())
    names = dict(session.execute(select(Department.code, Department.name)).all())
    departments = sorted(figures["department"].items(), key=lambda kv: (-kv[1].records, kv[0]))
    classes = sorted(figures["classification"].items())
    levels = sorted(figures["block_level"].items(), key=lambda kv: (list(BLOCK_LEVELS).index(kv[0])
                                                                    if kv[0] in BLOCK_LEVELS else 99, kv[0]))
    trend = [(row.day.isoformat(), None if row.sharing_rate is None else row.sharing_rate * 100)
             for row in stats.history(session, "all", "*", 90)]
    street_names = stats.street_names(session)
    streets = [(street_names.get(code) or code, entry) for code, entry in sorted(figures["street"].items())]
    today = datetime.now(UTC).date().isoformat()
    if total.sharing_rate is not None and (not trend or trend[-1][0] != today):
        trend.append((today, total.sharing_rate * 100))  # today's live figure, until record_day stores it
    percent = lambda value: f"{value:.0f}%" if value in (0, 25, 50, 75, 100) else f"{value:.1f}%"  # noqa: E731
    charts = {
        "departments": bar_chart([(names.get(code, code), entry.records) for code, entry in departments],
                                 title="各部门数据量（条）"),
        "classes": bar_chart([(CLASSES.get(key, key), entry.resources) for key, entry in classes],
                             title="各分类资源数（个）"),
        "trend": line_chart(trend, title="数据共享率（近 90 天）", y_max=100, value_format=percent),
        "streets": bar_chart([(name, entry.records) for name, entry in streets], title="各街道块数据量（条）"),
        "street_rates": bar_chart([(name, round((entry.sharing_rate or 0) * 100, 1)) for name, entry in streets],
                                  title="各街道块数据共享率（%）", value_format=lambda value: f"{value:.1f}%"),
    }
    return render(request, "stats.html", who, title="共享统计", total=total, totals=asdict(total), charts=charts,
                  departments=[(names.get(code, code), entry) for code, entry in departments],
                  classes=[(CLASSES.get(key, key), entry) for key, entry in classes],
                  levels=[(BLOCK_LEVELS.get(key, key), entry) for key, entry in levels], streets=streets)
