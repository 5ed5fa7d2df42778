"""The quality report: one static HTML page (数据质量报告) from the gate's record in the lake.

It shows the latest verdict per table (score by dimension, published or blocked, failed checks with
their masked examples), the score per department per day, and what is in quarantine. Failing values
were masked when they were recorded, so the page holds no personal data.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from blocklake import htmlpage
from blocklake.checks import DIMENSION_TITLES
from blocklake.lake import LAKE
from blocklake.vocabulary import SENSITIVE_TITLES

TITLE = "Blocklake 数据质量报告"
INTRO = ("评分 = 各质量维度（完整性、有效性、唯一性、一致性、及时性）通过率的平均值 × 100；"
         "红色为被质量闸门拦截、仍沿用上一发布版本的表。")
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


# Each table's findings at its latest scan: the personal data no declaration named (quality.pii).
FOUND_PII = f"""
    SELECT f.table_name, f.column_name, f.kind, f.evidence, f.snapshot_id
    FROM {LAKE}.quality.pii_findings AS f
    JOIN (SELECT table_name, max(snapshot_id) AS snapshot_id FROM {LAKE}.quality.pii_scans GROUP BY ALL)
        USING (table_name, snapshot_id)
    ORDER BY 1, 2"""


def _found_pii(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    try:
        return [(table, column, SENSITIVE_TITLES.get(kind, kind), evidence, snapshot)
                for table, column, kind, evidence, snapshot in con.execute(FOUND_PII).fetchall()]
    except duckdb.CatalogException:  # a lake gated before the scan existed
        return []


def write_report(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Write the report to ``path`` (parent folders created) and return it."""
    from quality.store import has_gate_record

    path.parent.mkdir(parents=True, exist_ok=True)
    if not has_gate_record(con):
        path.write_text(htmlpage.page(TITLE, "质量闸门尚未运行。", []), encoding="utf-8")
        return path
    failed = [(*row[:6], ", ".join(json.loads(row[6] or "[]")), row[7])
              for row in con.execute(FAILED_CHECKS).fetchall()]
    sections = [
        htmlpage.section("各表最新质量评分", htmlpage.table(
            ["表", "层", "部门", "快照", "总分", *DIMENSION_TITLES.values(), "结论", "校验时间", "运行"],
            con.execute(LATEST_SCORES).fetchall(), row_class=10)),
        htmlpage.section("未通过的规则（最新一次）", htmlpage.table(
            ["表", "级别", "规则", "维度", "不合格行", "参与校验行", "示例（已脱敏）", "错误"], failed)),
        htmlpage.section("部门质量分（按日）", htmlpage.table(
            ["部门/层", "日期", "平均分", "表数", "被拦截表数"], con.execute(DEPARTMENT_HISTORY).fetchall())),
        htmlpage.section("隔离区", htmlpage.table(
            ["表", "规则", "隔离行数", "最近隔离时间"], con.execute(QUARANTINE).fetchall())),
        htmlpage.section("数据中检出的个人信息（未声明，共享时一律脱敏）", htmlpage.table(
            ["表", "字段", "按类别脱敏", "证据", "快照"], _found_pii(con))),
    ]
    path.write_text(htmlpage.page(TITLE, INTRO, sections), encoding="utf-8")
    return path
