"""Run a generation: build the world, stream every department's tables into its sinks, write truth."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from synthetic.config import GenerateConfig
from synthetic.days import TableDays
from synthetic.departments import DEPARTMENTS
from synthetic.report import GenerateReport, ManifestEntry, TableReport, write_manifest
from synthetic.schema import Department, TableSpec
from synthetic.seeding import stream
from synthetic.sinks.base import DepartmentSink
from synthetic.sinks.csv_files import CsvSink
from synthetic.sinks.databases import DatabaseTargets
from synthetic.sinks.excel import ExcelSink
from synthetic.sinks.mysql import MysqlSink
from synthetic.sinks.postgres import PostgresSink
from synthetic.sinks.sqlite import SqliteSink
from synthetic.truth import TruthWriter
from synthetic.world import TableContext, World

Progress = Callable[[str], None]


def generate(config: GenerateConfig, progress: Progress | None = None) -> GenerateReport:
    """Generate the synthetic district into ``config.out_dir`` (and the server databases given)."""
    say = progress or (lambda message: None)
    started = time.perf_counter()
    out_dir = Path(config.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = World(config.profile, config.seed)
    entries: list[ManifestEntry] = []
    with (
        DatabaseTargets(config.postgres_dsn, config.mysql_dsn) as targets,
        TruthWriter(out_dir / "_truth") as truth,
    ):
        for department in DEPARTMENTS:
            entries += _department(world, department, out_dir, targets, truth, say, config.day)
        say("truth: units and companies")
        truth.write_pools(world)
    manifest = write_manifest(config, out_dir, entries)
    seconds = time.perf_counter() - started
    say(f"done: {sum(e.report.rows for e in entries):,} rows in {seconds:.1f} s")
    return GenerateReport([e.report for e in entries], seconds, out_dir, manifest)


def _department(
    world: World,
    department: Department,
    out_dir: Path,
    targets: DatabaseTargets,
    truth: TruthWriter,
    say: Progress,
    day: int,
) -> list[ManifestEntry]:
    entries = []
    with ExitStack() as stack:
        sinks, loaded_into = _open_sinks(department, out_dir, targets)
        for sink in sinks:
            stack.callback(sink.close)
        for spec in department.tables:
            rows = _table(world, department, spec, sinks, truth, say, day)
            location, sheet = _location(department, spec, out_dir)
            report = TableReport(department.code, spec.name, rows, str(location))
            entries.append(
                ManifestEntry(report, department.kind, str(location.relative_to(out_dir)), sheet, loaded_into)
            )
    return entries


def _table(
    world: World,
    department: Department,
    spec: TableSpec,
    sinks: list[DepartmentSink],
    truth: TruthWriter,
    say: Progress,
    day: int,
) -> int:
    context = TableContext(world, department.code, spec, stream(world.seed, f"{department.code}.{spec.name}"))
    days = TableDays(world.seed, department.code, spec, day)
    writers = [sink.table(spec) for sink in sinks]
    rows = 0
    for chunk in days.evolve(spec.build(context)):
        for writer in writers:
            writer.write(chunk.data)
        truth.write(chunk)
        rows += chunk.data.num_rows
        say(f"{department.code}.{spec.name}: {rows:,} rows")
    for writer in writers:
        writer.close()
    truth.write_changes(days.changes)
    return rows


def _open_sinks(
    department: Department, out_dir: Path, targets: DatabaseTargets
) -> tuple[list[DepartmentSink], tuple[str, ...]]:
    if department.kind == "csv":
        return [CsvSink(out_dir / department.code, department.encoding)], ()
    if department.kind == "excel":
        return [ExcelSink(out_dir / department.code, department)], ()
    sinks: list[DepartmentSink] = [SqliteSink(out_dir / f"{department.code}.sqlite")]
    loaded_into: tuple[str, ...] = ()
    if department.kind == "postgres" and targets.postgres is not None:
        sinks.append(PostgresSink(targets.postgres, department))
        loaded_into = ("postgres",)
    if department.kind == "mysql" and targets.mysql is not None:
        sinks.append(MysqlSink(targets.mysql, department))
        loaded_into = ("mysql",)
    return sinks, loaded_into


def _location(department: Department, spec: TableSpec, out_dir: Path) -> tuple[Path, str | None]:
    if department.kind == "csv":
        return out_dir / department.code / f"{spec.name}.csv", None
    if department.kind == "excel":
        return out_dir / department.code / department.workbook, spec.title
    return out_dir / f"{department.code}.sqlite", None
