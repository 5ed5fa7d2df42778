"""The data operations report (数据运维报告): one static HTML page with charts, written by the
``ops_report`` DAG every day from the lake's own ledgers and the catalog store.

Sections: volumes loaded (per department, last 7 days), freshness (each table's newest record by its
own business time, or its last load where it has none, against its update cycle), quality (latest gate
scores, blocked tables), sharing (the directory's figures, verification calls, usage records and ratings
included), address match rates (per source table), low ratings of the last 30 days (any count at or
below :data:`catalog.feedback.LOW_SCORE`, for the bureau's attention), applications (pending, overdue) and
data requests (供需对接) past their answer deadline.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from blocklake import htmlpage, lake
from blocklake.checks import CYCLE_MAX_AGE, freshness_bound
from blocklake.published import published_versions
from blocklake.registry import load_registry, raw_table_name
from blocklake.settings import get_settings
from catalog import db, feedback, requests, sharing, stats
from catalog.web.charts import bar_chart
from quality.store import has_gate_record

VOLUMES = """
    SELECT department, sum(rows_inserted) FROM lake.meta.loads
    WHERE outcome = 'succeeded' AND started_at >= ? GROUP BY ALL ORDER BY 2 DESC"""
LOW_RATINGS_DAYS = 30
LAST_LOADS = """
    SELECT raw_table, max(finished_at) FROM lake.meta.loads WHERE outcome = 'succeeded' GROUP BY ALL"""
SCORES = """
    SELECT table_name, arg_max(score, validated_at), arg_max(outcome, validated_at) FROM lake.quality.scores
    GROUP BY ALL ORDER BY 2"""
MATCH_RATES = """
    SELECT source, round(avg(located::INTEGER), 4), count(*) FROM lake.base.base_address_match
    WHERE match_method <> 'outside_district' GROUP BY ALL ORDER BY 2"""


def write_ops_report(path: Path | None = None, *, now: datetime | None = None) -> Path:
    """Write the report (default ``$BLOCKLAKE_HOME/reports/ops-<date>.html`` and ``ops.html``) and return it."""
    settings = get_settings()
    now = now or datetime.now(UTC)
    con = lake.connect(settings, read_only=True)
    try:
        sections = [_volumes(con, now), _freshness(con, now), _quality(con), _match_rates(con)]
    finally:
        con.close()
    sections += [_sharing(), _low_ratings(now), _applications(settings.today), _data_requests(settings.today)]
    page = htmlpage.page("Blocklake 数据运维报告", "数据量、时效性、质量、共享、地址匹配、超期申请与超期数据需求。",
                         sections)
    reports = settings.home / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    path = path or reports / f"ops-{now:%Y-%m-%d}.html"
    path.write_text(page, encoding="utf-8")
    (reports / "ops.html").write_text(page, encoding="utf-8")
    return path


def _volumes(con: duckdb.DuckDBPyConnection, now: datetime) -> str:
    rows = con.execute(VOLUMES, [now - timedelta(days=7)]).fetchall()
    chart = bar_chart([(department, int(count or 0)) for department, count in rows], title="入湖记录数")
    return htmlpage.section("数据量（近 7 天入湖记录数，按部门）", chart)


def _freshness(con: duckdb.DuckDBPyConnection, now: datetime) -> str:
    """Each table's newest record by its own business time (as published) against the age its update
    cycle allows, judged at the pipeline's today like the gate's check. A table without a business time is
    dated by its last successful load, and says so: a full load is always recent, its data need not be."""
    last = dict(con.execute(LAST_LOADS).fetchall())
    versions = published_versions(con)
    today = get_settings().today
    rows = []
    for dept in load_registry().departments.values():
        for table in dept.tables:
            name = raw_table_name(dept, table)
            max_age = CYCLE_MAX_AGE.get(table.update_cycle)
            version = versions.get(f"raw.{name}")
            if table.business_time:
                newest = version.data_until if version else None
                late = newest is None or (max_age is not None and newest < freshness_bound(max_age, today))
                basis = f"数据时间（{table.business_time}）"
            else:
                newest = last.get(name)
                late = newest is None or (max_age is not None and now - newest > max_age)
                basis = "入湖时间（表无业务时间）"
            rows.append((f"{dept.name} · {table.title}", table.update_cycle, basis,
                         newest.strftime("%Y-%m-%d %H:%M") if newest else "从未", "超期" if late else "正常"))
    late_count = sum(row[4] == "超期" for row in rows)
    body = htmlpage.table(["表", "更新周期", "计时依据", "最新", "状态"], rows)
    return htmlpage.section(f"时效性（{late_count} 张表超过更新周期）", body)


def _quality(con: duckdb.DuckDBPyConnection) -> str:
    if not has_gate_record(con):
        return htmlpage.section("数据质量", "<p>质量闸门尚未运行。</p>")
    rows = con.execute(SCORES).fetchall()
    blocked = [table for table, _, outcome in rows if outcome == "blocked"]
    chart = bar_chart([(table, round(score, 1)) for table, score, _ in rows[:15]], title="质量分最低的表",
                      value_format=lambda value: f"{value:.1f}")
    note = f"<p>被拦截、沿用上一版本的表：{html.escape('、'.join(blocked)) or '无'}</p>"
    return htmlpage.section("数据质量（最新评分，最低的 15 张表）", note + str(chart))


def _match_rates(con: duckdb.DuckDBPyConnection) -> str:
    try:
        rows = con.execute(MATCH_RATES).fetchall()
    except duckdb.CatalogException:
        return htmlpage.section("地址匹配率", "<p>底板尚未构建。</p>")
    chart = bar_chart([(f"{source}（{count:,}）", rate) for source, rate, count in rows], title="地址匹配率",
                      value_format=lambda value: f"{value:.1%}")
    return htmlpage.section("地址匹配率（按来源表）", chart)


def _sharing() -> str:
    with db.session() as session:
        figures = stats.current(session)
    total = figures["all"].get("*", stats.Figures())
    rate = f"{total.sharing_rate:.1%}" if total.sharing_rate is not None else "—"
    rows = [("数源单位", f"{total.source_units:,}"), ("资源数", f"{total.resources:,}"),
            ("信息项", f"{total.data_items:,}"), ("数据量", f"{total.records:,}"),
            ("共享数据量", f"{total.shared_records:,}"), ("数据共享率", rate),
            ("共享申请", f"{total.applications:,}"), ("已批准", f"{total.approved_applications:,}"),
            ("接口调用", f"{total.api_calls:,}"), ("核验调用", f"{total.verification_calls:,}"),
            ("核验条数", f"{total.verified_keys:,}"), ("使用登记", f"{total.usage_records:,}"),
            ("共享评价", f"{total.ratings:,}")]
    chart = bar_chart([(code, entry.records) for code, entry in sorted(figures["department"].items())],
                      title="各部门数据量")
    return htmlpage.section("数据共享", htmlpage.table(["指标", "数值"], rows) + str(chart))


def _low_ratings(now: datetime) -> str:
    """Ratings of the last days with any count at or below the low score, newest first."""
    with db.session() as session:
        rows = [(r.at, r.resource.code, r.resource.name, r.resource.provider.name, r.consumer.name, r.accuracy,
                 r.timeliness, r.completeness, r.comment or "—")
                for r in feedback.low_ratings(session, now - timedelta(days=LOW_RATINGS_DAYS))]
    title = f"低分共享评价（近 {LOW_RATINGS_DAYS} 天任一项不高于 {feedback.LOW_SCORE} 分，{len(rows)} 条）"
    headers = ["评价时间", "资源代码", "资源", "提供部门", "评价部门", "准确性", "及时性", "完整性", "评价意见"]
    return htmlpage.section(title, htmlpage.table(headers, rows))


def _applications(today) -> str:
    with db.session() as session:
        overdue = sharing.overdue(session, today)
        rows = [(a.id, a.resource.code, a.resource.name, a.consumer.name, a.submitted_at.strftime("%Y-%m-%d"),
                 a.deadline.isoformat()) for a in overdue]
    return htmlpage.section(f"超期未办的共享申请（{len(rows)} 件）",
                    htmlpage.table(["申请", "资源代码", "资源", "申请部门", "提交日期", "办理时限"], rows))


def _data_requests(today) -> str:
    with db.session() as session:
        rows = [(r.id, r.title, r.requester.name, r.provider.name, r.assigned_at.strftime("%Y-%m-%d"),
                 r.deadline.isoformat()) for r in requests.overdue(session, today)]
    headers = ["需求", "需要的数据", "提出部门", "承接部门", "分派日期", "答复期限"]
    return htmlpage.section(f"超期未答复的数据需求（{len(rows)} 件）", htmlpage.table(headers, rows))
