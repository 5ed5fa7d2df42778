"""The whole pipeline at a scale: ``make bench SCALE=district`` (≈10M source records) or ``SCALE=city``
(≈100M), on this machine.

The synthetic district is generated first and timed on its own (``generate_s``; kept under
``var/bench/<scale>/sources`` for the next run). Then ``blocklake run --no-serve`` — what ``make run``
does: every ingest DAG, the base-layer build, the catalog refresh, the exports and the operations
report, through Airflow — runs in a child process on a fresh lake, while the resident memory of its
whole process tree is sampled. Each of our tasks records how long its own work took
(:mod:`orchestration.metrics`), which gives seconds and rows/s per stage; what the DAG runs took beyond
that is Airflow's share.

Then day 2: the sources regenerated as they stand at the end of day 2 (``blocklake generate --day 2``,
about 1% of every table changed; under ``var/bench/<scale>/sources-day2``) and the same run again on
the same home — only what changed should flow through. Last, ``blocklake build --full-refresh`` rebuilds
the base layer from nothing, and every published base and mart table must come out with the rows and
content hash the incremental day 2 gave it (``day2_equals_full_rebuild``).

Writes ``bench/results/pipeline-<scale>.json`` and ``pipeline-<scale>.html`` (charts).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bench.common import RESULTS, figure, open_lake, write_results
from blocklake import lake
from blocklake.settings import get_settings
from orchestration.metrics import STAGES, StageRecord, read_stages

PROJECT = Path(__file__).resolve().parents[1]
BLOCKLAKE = str(Path(sys.executable).with_name("blocklake"))
TARGETS = {"district": {"wall_s": "<= 600"}, "city": {"wall_s": "<= 5400"}}
STAGE_TITLES = {"ingest": "入湖", "gate": "质量闸门", "dbt": "dbt 构建", "catalog": "目录刷新", "export": "共享交付",
                "report": "运维报告", "maintenance": "湖维护"}


@dataclass
class MemorySampler:
    """The summed RSS of a process and all its descendants, every ``every`` seconds, in a thread."""

    pid: int
    every: float = 0.5
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, GiB)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> MemorySampler:
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_gib(self) -> float:
        return max((gib for _, gib in self.samples), default=0.0)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                root = psutil.Process(self.pid)
                processes = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for process in processes:
                try:
                    total += process.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
            self.samples.append((time.monotonic() - self._started, total / 2**30))


def generate(scale: str, sources: Path, env: dict[str, str], day: int = 1) -> float | None:
    """Generate the synthetic district at the end of ``day`` once; returns the seconds that took, also when an
    earlier run generated it (kept beside the sources), or None if that is unknown."""
    timing = sources.parent / f"generate-day{day}.json"
    manifest = sources / "manifest.json"
    if manifest.is_file() and json.loads(manifest.read_text(encoding="utf-8")).get("day", 1) == day:
        return json.loads(timing.read_text())["generate_s"] if timing.is_file() else None
    clock = time.monotonic()
    subprocess.run([BLOCKLAKE, "generate", "--scale", scale, "--out", str(sources), "--day", str(day)],
                   env=env, check=True)
    seconds = time.monotonic() - clock
    timing.write_text(json.dumps({"generate_s": seconds}))
    return seconds


def run_pipeline(scale: str, env: dict[str, str]) -> tuple[float, MemorySampler, int]:
    """``blocklake run`` in a child, its output passed through; returns its wall seconds, memory samples and
    exit code."""
    clock = time.monotonic()
    child = subprocess.Popen([BLOCKLAKE, "run", "--scale", scale, "--no-serve"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    with MemorySampler(child.pid) as memory:
        for line in child.stdout or ():
            print(line, end="", flush=True)
        code = child.wait()
    return time.monotonic() - clock, memory, code


def dag_seconds(home: Path, since: datetime | None = None) -> dict[str, float]:
    """Each DAG's wall seconds in the runs that started at or after ``since``, from Airflow's own record of
    the runs (its metadata database)."""
    with sqlite3.connect(f"file:{home / 'airflow' / 'airflow.db'}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT dag_id, start_date, end_date FROM dag_run WHERE end_date IS NOT NULL "
                           "AND start_date >= ?", [_airflow_time(since)]).fetchall()
    found: dict[str, float] = {}
    for dag_id, start, end in rows:
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
        found[dag_id] = found.get(dag_id, 0.0) + seconds
    return found


def _airflow_time(moment: datetime | None) -> str:
    """As Airflow's SQLite database writes times: naive UTC."""
    return (moment.astimezone(UTC).replace(tzinfo=None) if moment else datetime.min).isoformat(sep=" ")


def stage_totals(records: list[StageRecord]) -> dict[str, tuple[float, int]]:
    totals: dict[str, tuple[float, int]] = {}
    for record in records:
        seconds, rows = totals.get(record.stage, (0.0, 0))
        totals[record.stage] = (seconds + record.seconds, rows + record.rows)
    return totals


def built_rows(home: Path) -> int:
    """Rows in the tables ``dbt build`` wrote (every lake table outside raw, meta, quality; views excluded)."""
    os.environ["BLOCKLAKE_HOME"] = str(home)
    get_settings.cache_clear()
    con = lake.connect(read_only=True)
    try:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = 'lake' "
            "AND table_type = 'BASE TABLE' AND table_schema NOT IN ('raw', 'meta', 'quality')").fetchall()
        return sum(con.execute(f'SELECT count(*) FROM lake."{schema}"."{name}"').fetchone()[0]
                   for schema, name in tables)
    finally:
        con.close()


def stage_figures(totals: dict[str, tuple[float, int]]) -> list[dict[str, object]]:
    figures = []
    for stage in STAGES:
        if stage not in totals:
            continue
        seconds, rows = totals[stage]
        figures.append(figure(f"{stage}_s", seconds, "s"))
        if rows:
            figures.append(figure(f"{stage}_rows_per_s", rows / seconds if seconds else 0.0, "rows/s"))
    return figures


def write_page(scale: str, path: Path, figures: list[dict[str, object]], totals: dict[str, tuple[float, int]],
               dags: dict[str, float], memory: MemorySampler) -> Path:
    from blocklake import htmlpage
    from catalog.web.charts import bar_chart, line_chart

    seconds = [(STAGE_TITLES[stage], round(totals[stage][0], 1)) for stage in STAGES if stage in totals]
    rates = [(STAGE_TITLES[stage], round(rows / secs)) for stage in STAGES if stage in totals
             for secs, rows in [totals[stage]] if rows and secs]
    step = max(1, len(memory.samples) // 120)
    rss = [(f"{t:.0f}s", round(gib, 2)) for t, gib in memory.samples[::step]]
    sections = [
        htmlpage.section("结果", htmlpage.table(["指标", "值", "单位", "目标"], [
            [item["name"], item["value"], item["unit"], item.get("target")] for item in figures])),
        htmlpage.section("各阶段耗时（秒，任务自身工作）", str(bar_chart(seconds, title="各阶段耗时"))),
        htmlpage.section("各阶段吞吐（行/秒）", str(bar_chart(rates, title="各阶段吞吐"))),
        htmlpage.section("各 DAG 运行耗时（秒）", str(bar_chart(sorted(dags.items(), key=lambda d: -d[1]),
                                                            title="各 DAG 运行耗时"))),
        htmlpage.section("进程树常驻内存（GiB）", str(line_chart(rss, title="常驻内存"))),
    ]
    page = htmlpage.page(f"Blocklake 全流程基准（{scale}）",
                         "blocklake run（与 make run 相同）在本机上的一次完整运行：生成数据单独计时，不计入总时长。",
                         sections)
    path.write_text(page, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=os.environ.get("BLOCKLAKE_SCALE", "district"),
                        choices=["tiny", "demo", "district", "city"])
    parser.add_argument("--no-day-two", action="store_true", help="day one only")
    args = parser.parse_args()
    root = PROJECT / "var" / "bench" / args.scale
    sources, home = root / "sources", root / "run"
    shutil.rmtree(home, ignore_errors=True)  # a fresh lake, catalog and Airflow database every run
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "BLOCKLAKE_"))}
    env.update(BLOCKLAKE_HOME=str(home), BLOCKLAKE_SOURCES_DIR=str(sources), BLOCKLAKE_SCALE=args.scale)
    generate_s = generate(args.scale, sources, env)
    day1 = run_day(args.scale, home, env)
    figures = [
        figure("wall_s", day1.wall_s, "s", TARGETS.get(args.scale, {}).get("wall_s")),
        figure("peak_rss_gib", day1.memory.peak_gib, "GiB", "<= 12"),
        figure("airflow_overhead_share", day1.overhead_s / day1.wall_s, "ratio", "<= 0.10"),
        figure("airflow_overhead_s", day1.overhead_s, "s"),
        figure("tasks_work_s", day1.work_s, "s"),
        figure("records_loaded", day1.records_loaded, "records"),
        figure("records_per_s_end_to_end", day1.records_loaded / day1.wall_s, "records/s"),
        *stage_figures(day1.totals),
    ]
    if generate_s is not None:
        figures.append(figure("generate_s", generate_s, "s"))
    code = day1.code
    if not args.no_day_two and code == 0:
        day2_figures, code = day_two(args.scale, root, home, env, day1)
        figures += day2_figures
    path = write_results(f"pipeline-{args.scale}", args.scale, figures, exit_code=code, dag_seconds=day1.dags,
                         tasks=day1.tasks, definitions=DEFINITIONS)
    page = write_page(args.scale, RESULTS / f"pipeline-{args.scale}.html", figures, day1.totals, day1.dags,
                      day1.memory)
    print(f"{args.scale}: wall {day1.wall_s:.0f}s, peak {day1.memory.peak_gib:.1f} GiB, Airflow overhead "
          f"{day1.overhead_s / day1.wall_s:.1%}; wrote {path} and {page}")
    if code != 0:
        raise SystemExit(f"a run exited with {code}; the figures above describe a failed run")


DEFINITIONS = {
    "wall_s": "`blocklake run --no-serve` from start to exit, the district already generated",
    "generate_s": "`blocklake generate` of the sources, timed when they were generated "
                  "(they are kept under var/bench/<scale>/ for the next run)",
    "peak_rss_gib": "most resident memory of the run's process tree (sampled every 0.5 s)",
    "airflow_overhead_share": "(the DAG runs' wall seconds − the seconds our tasks spent in "
                              "their own work) ÷ wall_s",
    "<stage>_s": "seconds our tasks of that stage spent in their own work (var/metrics)",
    "<stage>_rows_per_s": "ingest: rows loaded; dbt: rows in the tables it built; "
                          "gate: rows audited; export: rows delivered; "
                          "catalog: resources registered — per second of that stage",
    "day2_*": "the same run again on the same home, the sources now at the end of day 2 "
              "(`blocklake generate --day 2`: about 1% of every table inserted, updated or deleted)",
    "day2_vs_day1_ratio": "day2_wall_s ÷ wall_s",
    "day2_raw_rows_missing / _extra": "rows the published raw tables lack / hold beyond the day-2 sources "
                                      "(per table by count): late rows and hard deletes an incremental load "
                                      "leaves to its next reconciliation",
    "day2_equals_full_rebuild": "1 when every published base and mart table after day 2's build has the "
                                "rows and content hash it has after `blocklake build --full-refresh` of "
                                "the same published inputs",
}


@dataclass
class DayRun:
    wall_s: float
    memory: MemorySampler
    code: int
    totals: dict[str, tuple[float, int]]
    dags: dict[str, float]
    tasks: int

    @property
    def work_s(self) -> float:
        return sum(seconds for seconds, _ in self.totals.values())

    @property
    def overhead_s(self) -> float:
        return sum(self.dags.values()) - self.work_s

    @property
    def records_loaded(self) -> int:
        return self.totals.get("ingest", (0.0, 0))[1]


def run_day(scale: str, home: Path, env: dict[str, str]) -> DayRun:
    started = datetime.now(UTC)
    wall_s, memory, code = run_pipeline(scale, env)
    records = read_stages(since=started, path=home / "metrics" / "stages.jsonl")
    totals = stage_totals(records)
    if "dbt" in totals:
        totals["dbt"] = (totals["dbt"][0], built_rows(home))
    return DayRun(wall_s, memory, code, totals, dag_seconds(home, since=started), len(records))


def day_two(scale: str, root: Path, home: Path, env: dict[str, str], day1: DayRun) -> tuple[list[dict], int]:
    """Day 2 on day 1's home; then the check that the incremental build equals a full rebuild."""
    sources = root / "sources-day2"
    env = {**env, "BLOCKLAKE_SOURCES_DIR": str(sources)}
    generate(scale, sources, env, day=2)
    day2 = run_day(scale, home, env)
    figures = [figure("day2_wall_s", day2.wall_s, "s"),
               figure("day2_vs_day1_ratio", day2.wall_s / day1.wall_s, "ratio", "<= 0.10"),
               figure("day2_peak_rss_gib", day2.memory.peak_gib, "GiB"),
               figure("day2_records_loaded", day2.records_loaded, "records"),
               *(figure(f"day2_{item['name']}", item["value"], item["unit"]) for item in stage_figures(day2.totals)
                 if item["name"].endswith("_s"))]
    if day2.code != 0:
        return figures, day2.code
    missing, extra = _rows_against_source(home, sources)
    figures += [figure("day2_raw_rows_missing", missing, "rows"), figure("day2_raw_rows_extra", extra, "rows")]
    incremental = _fingerprints(home)
    clock = time.monotonic()
    rebuilt = subprocess.run([BLOCKLAKE, "build", "--full-refresh"], env=env, capture_output=True, text=True,
                             check=False)
    figures.append(figure("full_rebuild_s", time.monotonic() - clock, "s"))
    full = _fingerprints(home)
    differing = sorted(table for table in full if incremental.get(table) != full[table])
    figures.append(figure("day2_equals_full_rebuild", float(not differing and incremental.keys() == full.keys()),
                          "bool", "= 1"))
    if differing:
        print(f"day 2 differs from a full rebuild in: {', '.join(differing)}")
    return figures, rebuilt.returncode


def _rows_against_source(home: Path, sources: Path) -> tuple[int, int]:
    """Rows the published raw tables lack and hold beyond the sources (by count per table): incremental
    loads miss late rows and hard deletes until their next reconciliation (``load.reconcile_every``)."""
    from blocklake.published import published_snapshots

    manifest = json.loads((sources / "manifest.json").read_text(encoding="utf-8"))
    con = open_lake(home)
    try:
        published = published_snapshots(con)
        missing = extra = 0
        for entry in manifest["tables"]:
            table = f"raw.{entry['department']}__{entry['table']}"
            held = con.execute(f"SELECT count(*) FROM lake.{table} AT (VERSION => {published[table]})").fetchone()[0]
            missing += max(0, entry["rows"] - held)
            extra += max(0, held - entry["rows"])
        return missing, extra
    finally:
        con.close()


def _fingerprints(home: Path) -> dict[str, tuple[int, int]]:
    from blocklake.published import content_fingerprints

    con = open_lake(home)
    try:
        return content_fingerprints(con)
    finally:
        con.close()


if __name__ == "__main__":
    main()
