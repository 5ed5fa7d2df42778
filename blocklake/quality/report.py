"""The quality report: one static HTML page (数据质量报告) from the gate's record in the lake.

It shows the latest verdict per table (score by dimension, published or blocked, failed checks with
their masked examples), the score per department per day, and what is in quarantine. Failing values
were masked when they were recorded, so the page holds no personal data.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from blocklake.lake import LAKE
from blocklake.quality.checks import DIMENSION_TITLES

LATEST_SCORES = f"""
    SELECT table_name, layer, department, snapshot_id, round(score, 1), round(completeness, 1), round(validity, 1),
           round(uniqueness, 1), round(consistency, 1), round(timeliness, 1), outcome, validated_at, run_id
    FROM {LAKE}.quality.scores
    QUALIFY row_number() OVER (PARTITION BY table_name ORDER BY validated_at DESC) = 1
    ORDER BY outcome, layer DESC, table_name"""
FAILED_CHECKS = f"""
    SELECT r.table_name, r.severity, r.check_name, r.dimension, r.unexpected_rows, r.judged_rows, r.examples, r.error
    FROM {LAKE}.quality.results AS r
    JOIN ({LATEST_SCORES}) AS s(table_name, l, d, snapshot_id, sc, c1, c2, c3, c4, c5, o, v, run_id)
      ON r.table_name = s.table_name AND r.run_id = s.run_id AND r.snapshot_id = s.snapshot_id
    WHERE NOT r.success
    ORDER BY r.severity, r.table_name"""
DEPARTMENT_HISTORY = f"""
    SELECT department, day, score, tables, blocked_tables FROM {LAKE}.quality.department_scores
    ORDER BY department, day"""
QUARANTINE = f"""
    SELECT table_name, check_name, count(*), max(quarantined_at)
    FROM {LAKE}.quality.quarantine GROUP BY ALL ORDER BY 4 DESC LIMIT 100"""


def write_report(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Write the report to ``path`` (parent folders created) and return it."""
    from blocklake.quality.store import has_gate_record

    path.parent.mkdir(parents=True, exist_ok=True)
    if not has_gate_record(con):
        path.write_text(_PAGE.format(generated=_now(), body="<p>质量闸门尚未运行。</p>"), encoding="utf-8")
        return path
    failed = [(*row[:6], ", ".join(json.loads(row[6] or "[]")), row[7])
              for row in con.execute(FAILED_CHECKS).fetchall()]
    sections = [
        _table("各表最新质量评分",
               ["表", "层", "部门", "快照", "总分", *DIMENSION_TITLES.values(), "结论", "校验时间", "运行"],
               con.execute(LATEST_SCORES).fetchall(), outcome_column=10),
        _table("未通过的规则（最新一次）",
               ["表", "级别", "规则", "维度", "不合格行", "参与校验行", "示例（已脱敏）", "错误"], failed),
        _table("部门质量分（按日）", ["部门/层", "日期", "平均分", "表数", "被拦截表数"],
               con.execute(DEPARTMENT_HISTORY).fetchall()),
        _table("隔离区", ["表", "规则", "隔离行数", "最近隔离时间"], con.execute(QUARANTINE).fetchall()),
    ]
    path.write_text(_PAGE.format(generated=_now(), body="\n".join(sections)), encoding="utf-8")
    return path


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _table(title: str, headers: list[str], rows: list[tuple], outcome_column: int | None = None) -> str:
    head = "".join(f"<th>{html.escape(name)}</th>" for name in headers)
    body = []
    for row in rows:
        css = f' class="{html.escape(str(row[outcome_column]))}"' if outcome_column is not None else ""
        cells = "".join(f"<td>{_cell(value)}</td>" for value in row)
        body.append(f"<tr{css}>{cells}</tr>")
    empty = f'<tr><td colspan="{len(headers)}">（无）</td></tr>' if not rows else ""
    return (f"<h2>{html.escape(title)}</h2>\n<table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}{empty}</tbody></table>")


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Blocklake 数据质量报告</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 2rem; font-size: 0.9rem; }}
th, td {{ border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; }}
th {{ background: #f0f0f0; }}
tr.blocked td {{ background: #fde2e2; }}
</style></head>
<body><h1>Blocklake 数据质量报告</h1><p>生成于 {generated}。评分 = 各质量维度（完整性、有效性、唯一性、一致性、及时性）
通过率的平均值 × 100；红色为被质量闸门拦截、仍沿用上一发布版本的表。</p>
{body}
</body></html>
"""
