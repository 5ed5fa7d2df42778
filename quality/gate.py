"""Write-audit-publish: validate a table's new version, then publish it or keep the last good one.

The new version is already written (a load or ``dbt build`` committed a DuckLake snapshot). The gate
audits the table *at that snapshot* with its Great Expectations suite. When no blocking check
fails, the snapshot id becomes the table's published version; otherwise the previous published
version stays, the failing rows are copied to ``lake.quality.quarantine`` and the caller (an
Airflow task) fails with :class:`QualityGateFailed`, whose message is the readable summary.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import fmean

import duckdb

from blocklake import lake, masking, published, published_script
from blocklake.checks import DIMENSIONS, Suite
from blocklake.errors import BlocklakeError
from blocklake.settings import get_settings
from blocklake.sql import identifier
from quality import delta, gx_runtime, pii, plain_sql, store
from quality.gx_runtime import CheckResult, relation_at

log = logging.getLogger(__name__)


class QualityGateFailed(BlocklakeError):
    """At least one table failed a blocking check; its previous published version stays."""

    def __init__(self, verdicts: list[TableVerdict]):
        self.verdicts = verdicts
        blocked = [verdict for verdict in verdicts if not verdict.published]
        lines = [f"quality gate blocked {len(blocked)} of {len(verdicts)} tables:"]
        lines += [verdict.describe() for verdict in blocked]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class TableVerdict:
    suite: Suite
    snapshot: int
    results: list[CheckResult]
    published: bool
    previous_snapshot: int | None
    score: float
    seconds: float
    pii: tuple[pii.Finding, ...] = ()  # undeclared personal columns found in the values (masked downstream)
    pii_seconds: float = 0.0  # what finding them cost
    from_change: bool = False  # row-level checks counted from the change since the published version

    @property
    def rows_audited(self) -> int:
        """The most rows any one check judged: the table's rows, as far as the gate saw them."""
        return max((result.judged or 0 for result in self.results), default=0)

    @property
    def failed(self) -> list[CheckResult]:
        return [result for result in self.results if not result.success]

    def summary(self) -> dict[str, object]:
        """For the task's return value (XCom) and ``make run``: no row values, only counts."""
        return {"table": self.suite.table, "snapshot": self.snapshot, "published": self.published,
                "previous_snapshot": self.previous_snapshot, "score": round(self.score, 2),
                "failed": {r.check.name: r.check.severity for r in self.failed}, "seconds": round(self.seconds, 2),
                "personal_data_found": [finding.describe() for finding in self.pii],
                "audited": "the change since the published version" if self.from_change else "the whole table"}

    def describe(self) -> str:
        """One line per failed check, under a line about the table."""
        if self.published:
            head = f"{self.suite.table}: published snapshot {self.snapshot} (score {self.score:.1f})"
        else:
            kept = "nothing (never passed)" if self.previous_snapshot is None else f"snapshot {self.previous_snapshot}"
            head = f"{self.suite.table}: BLOCKED at snapshot {self.snapshot}; consumers keep {kept}"
        lines = [head]
        for result in self.failed:
            lines.append(f"  - [{result.check.severity}] {result.check.name} ({result.check.dimension}): "
                         f"{_failure_text(result)}")
        lines += [f"  - [personal data, masked as {finding.kind}] {finding.describe()}" for finding in self.pii]
        return "\n".join(lines)


def new_run_id() -> str:
    return f"gate__{datetime.now(UTC):%Y%m%dT%H%M%S}__{uuid.uuid4().hex[:8]}"


def run_gate(suites: Iterable[Suite], *, run_id: str | None = None, snapshot: int | None = None) -> list[TableVerdict]:
    """Audit each suite's table at ``snapshot`` (default: the lake's current one) and decide."""
    settings = get_settings()
    run_id = run_id or new_run_id()
    con = lake.connect(settings)
    try:
        store.ensure_tables(con)
        snapshot = snapshot if snapshot is not None else lake.current_snapshot(con)
        suites = list(suites)
        versions = published.published_versions(con)
        starts = {suite.table: delta.baseline(con, suite, snapshot, versions.get(suite.table),
                                              min_rows=settings.gate_change_audit_min_rows) for suite in suites}

        def audit(suite: Suite) -> tuple[list[CheckResult], bool]:
            copied = None if starts[suite.table] else gx_runtime.small_copy(
                suite.table, snapshot, max_rows=settings.gate_copy_max_rows)
            return delta.audit(suite, snapshot, starts[suite.table], lambda part, relation: gx_runtime.validate(
                part, snapshot, today=settings.today, relation=relation or copied), gx_runtime.materialize)

        audits = gx_runtime.validate_many(
            suites, audit, workers=settings.gate_workers,
            then=lambda connection, suite, audited: _inspect(connection, suite, snapshot, audited, settings.today))
        previous = {table: version.snapshot_id for table, version in versions.items()}
        decided = [_decide(suite, snapshot, run_id, inspected, seconds, previous.get(suite.table))
                   for suite, (inspected, seconds) in zip(suites, audits, strict=True)]
        store.record_decisions(con, [decision for _, decision in decided], row_limit=settings.gate_quarantine_rows)
        if any(decision.publish for _, decision in decided):
            published_script.refresh(con, settings)
        return [verdict for verdict, _ in decided]
    finally:
        con.close()


@dataclass(frozen=True)
class _Shape:
    """What the audited version holds: recorded with its publication, so the catalog need not ask again."""

    rows: int
    columns: tuple[tuple[str, str], ...]
    data_until: datetime | None  # newest by the suite's business time (``Suite.dated_by``), if it has one


@dataclass(frozen=True)
class _Inspected:
    """A validated table, looked at again: failing examples beside its results, undeclared personal data,
    and its shape."""

    results: list[CheckResult]
    findings: list[pii.Finding]
    scan_seconds: float
    shape: _Shape
    from_change: bool  # row-level checks counted from what changed since the published version (quality.delta)


def _inspect(con: duckdb.DuckDBPyConnection, suite: Suite, snapshot: int,
             audited: tuple[list[CheckResult], bool], today: date) -> _Inspected:
    """On the connection that has just validated the table: its files are warm there."""
    results, from_change = audited
    results = _with_examples(con, suite, snapshot, results)
    clock = time.perf_counter()
    findings, shape = _scan(con, suite, snapshot, today)
    return _Inspected(results, findings, time.perf_counter() - clock, shape, from_change)


def _scan(con: duckdb.DuckDBPyConnection, suite: Suite, snapshot: int, today: date) -> tuple[list[pii.Finding], _Shape]:
    """The table's undeclared personal columns (:mod:`quality.pii`) and its shape. One thread (a sample of
    a thousand rows gains nothing from more, and the other gate workers' validations keep the cores busy)
    and one transaction (one read of the lake's catalog for the scan's queries, not one each)."""
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    con.execute("BEGIN TRANSACTION")
    try:
        relation = relation_at(suite.table, snapshot)
        findings = pii.scan(con, suite.table, relation, suite.sensitive, today)
        shape = _measure(con, relation, suite.dated_by)
    finally:
        con.execute("COMMIT")
        con.execute(f"SET threads = {int(threads)}")
    for finding in findings:
        log.info("%s: personal data no declaration names, masked as %s: %s", suite.table, finding.kind,
                 finding.describe())
    return findings, shape


def _measure(con: duckdb.DuckDBPyConnection, relation: str, dated_by: str | None) -> _Shape:
    columns = tuple(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {relation})").fetchall())
    # Text that is no time (a source's own date format) is left out, as the freshness check does.
    newest = f"max(TRY_CAST({identifier(dated_by)} AS TIMESTAMP))" if dated_by else "NULL::TIMESTAMP"
    rows, data_until = con.execute(f"SELECT count(*), {newest} FROM {relation}").fetchone()
    return _Shape(int(rows), columns, data_until)


def _with_examples(con: duckdb.DuckDBPyConnection, suite: Suite, snapshot: int,
                   results: list[CheckResult]) -> list[CheckResult]:
    """A few failing values for each failed row-level check, masked when the column is personal."""
    settings = get_settings()
    relation = relation_at(suite.table, snapshot)
    enriched = []
    for result in results:
        where = None
        if not result.success and result.error is None and settings.gate_examples:
            where = plain_sql.failing_rows(result.check, relation, today=settings.today,
                                           relation_at=lambda table: relation_at(table, snapshot))
        if where is not None:
            shown = " || ' / ' || ".join(f"coalesce(CAST({identifier(c)} AS VARCHAR), '∅')"
                                          for c in result.check.key)
            values = [row[0] for row in con.execute(
                f"SELECT {shown} FROM {relation} WHERE {where} LIMIT {settings.gate_examples}").fetchall()]
            kind = suite.sensitivity(result.check)
            result = replace(result, examples=tuple(masking.mask(kind, value) if kind else value for value in values))
        enriched.append(result)
    return enriched


def raise_if_blocked(verdicts: list[TableVerdict]) -> None:
    if any(not verdict.published for verdict in verdicts):
        raise QualityGateFailed(verdicts)


def _decide(suite: Suite, snapshot: int, run_id: str, inspected: _Inspected, seconds: float,
            previous: int | None) -> tuple[TableVerdict, store.Decision]:
    """Publish or hold one table, from its audit. Personal data found in undeclared columns does not hold
    it back: the finding is recorded, and every way data leaves masks those columns (catalog.grants)."""
    results, findings, scan_seconds = inspected.results, inspected.findings, inspected.scan_seconds
    blocking = [result for result in results if result.check.blocking and not result.success]
    dimensions = dimension_scores(results)
    score = fmean(dimensions.values()) if dimensions else 100.0
    relation = relation_at(suite.table, snapshot)
    decision = store.Decision(
        results=[_result_row(suite, snapshot, run_id, result) for result in results],
        score={"run_id": run_id, "table_name": suite.table, "layer": suite.layer, "department": suite.department,
               "snapshot_id": snapshot, "score": score, **{name: dimensions.get(name) for name in _DIMENSION_NAMES},
               "checks": len(results), "failed_errors": len(blocking),
               "failed_warnings": sum(not r.success and not r.check.blocking for r in results),
               "outcome": "blocked" if blocking else "published", "seconds": seconds},
        publish=not blocking,
        relation=relation,
        publication=published.Publication(suite.table, snapshot, run_id, score, inspected.shape.rows,
                                          inspected.shape.columns, inspected.shape.data_until),
        quarantine=_quarantine_batches(blocking, relation, snapshot, get_settings().today),
        pii=[{"run_id": run_id, "table_name": suite.table, "snapshot_id": snapshot, "column_name": f.column,
              "kind": f.kind, "rule": f.rule, "sampled_values": f.values, "matched": f.matched,
              "evidence": f.describe()} for f in findings],
        pii_scan={"run_id": run_id, "table_name": suite.table, "snapshot_id": snapshot, "findings": len(findings),
                  "seconds": scan_seconds},
    )
    verdict = TableVerdict(suite, snapshot, results, published=not blocking, previous_snapshot=previous,
                           score=score, seconds=seconds, pii=tuple(findings), pii_seconds=scan_seconds,
                           from_change=inspected.from_change)
    return verdict, decision


_DIMENSION_NAMES = tuple(dict.fromkeys(DIMENSIONS.values()))


def dimension_scores(results: list[CheckResult]) -> dict[str, float]:
    """Per dimension, 100 × the mean pass share of its checks; dimensions without checks are absent."""
    shares: dict[str, list[float]] = {}
    for result in results:
        shares.setdefault(result.check.dimension, []).append(result.pass_share)
    return {dimension: 100 * fmean(values) for dimension, values in shares.items()}


def _quarantine_batches(blocking: list[CheckResult], relation: str, snapshot: int,
                        today: date) -> list[store.QuarantineBatch]:
    batches = []
    for result in blocking:
        where = plain_sql.failing_rows(result.check, relation, today=today,
                                       relation_at=lambda table: relation_at(table, snapshot))
        if where is not None and result.error is None:
            batches.append(store.QuarantineBatch(result.check.name, _failure_text(result), where))
    return batches


def _result_row(suite: Suite, snapshot: int, run_id: str, result: CheckResult) -> dict:
    check = result.check
    return {
        "run_id": run_id, "table_name": suite.table, "layer": suite.layer, "department": suite.department,
        "snapshot_id": snapshot, "check_name": check.name, "check_kind": check.check, "dimension": check.dimension,
        "severity": check.severity, "success": result.success, "judged_rows": result.judged,
        "unexpected_rows": result.unexpected, "pass_share": result.pass_share,
        "examples": json.dumps(list(result.examples), ensure_ascii=False), "error": result.error,
    }


def _failure_text(result: CheckResult) -> str:
    check = result.check
    if result.error is not None:
        return f"could not be checked: {result.error}"
    if check.check == "fresh":
        return f"newest {check.column} is more than {_days(check.max_age)} older than the end of {get_settings().today}"
    if check.check == "row_count":
        return f"{result.observed} rows, fewer than {check.min_rows}"
    share = f" of {result.judged:,}" if result.judged else ""
    examples = f"; e.g. {', '.join(result.examples)}" if result.examples else ""
    mostly = f" (at most {1 - check.mostly:.1%} may fail)" if check.mostly < 1 else ""
    return f"{result.unexpected:,}{share} rows fail{mostly}{_FAILURE_MEANS.get(check.check, '')}{examples}"


# What a failure of a check means, where its name does not say it all.
_FAILURE_MEANS = {"resident_id_region_at_birth": ": the ID's region code did not exist in its birth year "
                  "(python-stdnum's table of codes; the code is where the ID was issued, so it may be real)"}


def _days(age: timedelta) -> str:
    return f"{age.days} days" if age.days and not age.seconds else str(age)


def gate_raw_table(department: str, table: str, *, run_id: str | None = None) -> TableVerdict:
    """The gate after a load: audit ``raw.<department>__<table>`` and publish it or keep the last good one."""
    from blocklake.registry import load_registry
    from quality.suites import raw_suite

    dept = load_registry().department(department)
    verdicts = run_gate([raw_suite(dept, dept.table(table))], run_id=run_id)
    raise_if_blocked(verdicts)
    return verdicts[0]


def gate_raw_batch(department: str, tables: list[str], *, run_id: str | None = None) -> list[TableVerdict]:
    """The gate after a batch of loads: audit ``tables`` in one pass and one decision transaction. Does
    not raise on a block: the caller announces what was published before it reports what was not
    (:func:`raise_if_blocked`)."""
    from blocklake.registry import load_registry
    from quality.suites import raw_suite

    if not tables:
        return []
    dept = load_registry().department(department)
    return run_gate([raw_suite(dept, dept.table(table)) for table in tables], run_id=run_id)


def gate_built_models(target_path: Path, *, run_id: str | None = None) -> list[TableVerdict]:
    """The gate after ``dbt build``: audit the base and mart models that build succeeded in this run."""
    from quality.suites import model_suites

    suites = model_suites(target_path / "manifest.json")
    built = built_models(target_path / "run_results.json")
    ready = [suite for table, suite in sorted(suites.items()) if table in built]
    verdicts = run_gate(_with_references(ready), run_id=run_id)
    raise_if_blocked(verdicts)
    return verdicts


def _with_references(suites: list[Suite]) -> list[Suite]:
    """The suites whose ``exists_in`` references are in the lake. A model built while the model it is
    checked against waits for its sources' first publication cannot be judged yet: it is neither
    published nor blocked, and waits (logged) for a build that has both."""
    con = lake.connect(read_only=True)
    try:
        existing = {f"{schema}.{name}" for schema, name in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = 'lake'").fetchall()}
    finally:
        con.close()
    ready = []
    for suite in suites:
        missing = sorted({c.reference.rsplit(".", 1)[0] for c in suite.checks
                          if c.check == "exists_in" and c.reference and c.reference.rsplit(".", 1)[0] not in existing})
        if missing:
            log.info("%s waits: it is checked against %s, not built yet", suite.table, ", ".join(missing))
        else:
            ready.append(suite)
    return ready


def built_models(run_results: Path) -> set[str]:
    """``schema.model`` of every model the last dbt invocation built successfully."""
    if not run_results.is_file():
        return set()
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    built = set()
    for result in results:
        if result["unique_id"].startswith("model.") and result["status"] == "success" and result.get("relation_name"):
            _database, schema, name = (part.strip('"') for part in result["relation_name"].split("."))
            built.add(f"{schema}.{name}")
    return built
