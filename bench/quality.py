"""Quality-gate benchmark: the gate (Great Expectations suites, decisions recorded, snapshots published)
against the same checks as plain DuckDB SQL, on the same tables at the same snapshot, in one run.

Measured inside the base-layer benchmark's district run (``python -m bench.baselayer`` writes
``bench/results/quality.json``): ``gate_vs_sql_ratio`` (≤ 1.5) and ``validation_share_of_pipeline``
(gate time ÷ ingest + gate + dbt build, ≤ 0.25).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from unittest import mock

from bench.common import figure, write_results
from blocklake import lake
from blocklake.checks import Suite
from blocklake.settings import get_settings
from quality import gate, gx_runtime, pii, plain_sql


@dataclass
class GateTiming:
    startup_s: float = 0.0
    gate_s: float = 0.0
    sql_s: float = 0.0
    tables: int = 0
    checks: int = 0
    pii_s: float = 0.0  # the scans' own seconds, in the gate's worker threads
    without_scan_s: float = 0.0  # the same gate with the scan for personal data left out
    pii_found: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


def time_gate(suites: list[Suite], timing: GateTiming) -> None:
    """Plain SQL, the gate without its scan for personal data, the gate, then plain SQL again (the mean of
    the two SQL runs is the reference). What the scan costs is the difference of the two gates: it runs in
    the gate's worker threads beside other tables' validations, so its own seconds overstate it."""
    first_sql = _time_plain_sql(suites)
    if not timing.startup_s:
        timing.startup_s = gx_runtime.warm_up()
    clock = time.perf_counter()
    with mock.patch.object(pii, "scan", lambda *_: []):
        gate.run_gate(suites)
    timing.without_scan_s += time.perf_counter() - clock
    clock = time.perf_counter()
    verdicts = gate.run_gate(suites)
    timing.gate_s += time.perf_counter() - clock
    timing.sql_s += (first_sql + _time_plain_sql(suites)) / 2
    timing.tables += len(suites)
    timing.checks += sum(len(suite.checks) for suite in suites)
    timing.blocked += [verdict.suite.table for verdict in verdicts if not verdict.published]
    timing.pii_s += sum(verdict.pii_seconds for verdict in verdicts)
    timing.pii_found += [f"{verdict.suite.table}.{finding.describe()}"
                         for verdict in verdicts for finding in verdict.pii]


def _time_plain_sql(suites: list[Suite]) -> float:
    settings = get_settings()
    con = lake.connect(settings, read_only=True)
    try:
        snapshot = lake.current_snapshot(con)
        clock = time.perf_counter()
        for suite in suites:
            plain_sql.count_failures(con, suite, gx_runtime.relation_at(suite.table, snapshot), today=settings.today,
                                     relation_at=lambda table: gx_runtime.relation_at(table, snapshot))
        return time.perf_counter() - clock
    finally:
        con.close()


def write(scale: str, timing: GateTiming, pipeline_s: float) -> None:
    path = write_results("quality", scale, [
        figure("gate_vs_sql_ratio", timing.gate_s / timing.sql_s, "ratio", "<= 1.5"),
        figure("validation_share_of_pipeline", timing.gate_s / pipeline_s, "ratio", "<= 0.25"),
        figure("gate_s", timing.gate_s, "s"),
        figure("gx_startup_s", timing.startup_s, "s"),
        figure("plain_sql_s", timing.sql_s, "s"),
        figure("pipeline_s", pipeline_s, "s"),
        figure("tables_gated", timing.tables, "tables"),
        figure("checks_run", timing.checks, "checks"),
        figure("pii_scan_share_of_gate", (timing.gate_s - timing.without_scan_s) / timing.gate_s, "ratio",
               "<= 0.10"),
        figure("gate_without_pii_scan_s", timing.without_scan_s, "s"),
        figure("pii_scan_thread_s", timing.pii_s, "s"),
        figure("undeclared_pii_columns_found", len(timing.pii_found), "columns"),
    ], blocked=timing.blocked, undeclared_pii=timing.pii_found, definitions={
        "gate_vs_sql_ratio": "the gate (GX validation of every raw table after ingest and every base/mart model "
                             "after dbt build, decisions recorded, snapshots published) ÷ the same checks as plain "
                             "DuckDB SQL on the same snapshots (mean of a run before and after the gate)",
        "validation_share_of_pipeline": "gate time ÷ (ingest + gate + dbt build) of the same run",
        "pii_scan_share_of_gate": "what finding undeclared personal data in every audited table adds to the gate "
                                  "(quality.pii: a sample per table, rules in Python): (gate − the same gate "
                                  "without the scan, run just before it) ÷ gate",
        "pii_scan_thread_s": "the scans' own seconds, summed over the gate's worker threads (they overlap other "
                             "tables' validations)",
        "gx_startup_s": "importing GX and starting its context, once per process; not in gate_s (an Airflow "
                        "gate task pays it once, whatever the table's size)",
    })
    print(f"gate {timing.gate_s:.1f}s vs plain SQL {timing.sql_s:.1f}s over {timing.tables} tables; wrote {path}")
