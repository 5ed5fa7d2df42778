"""The whole pipeline at a scale: ``make bench SCALE=district`` (≈10M source records) or ``SCALE=city``
(≈100M), on this machine.

The synthetic district is generated first and timed on its own (``generate_s``; kept under
``var/bench/<scale>/sources`` for the next run). Then ``blocklake run --no-serve`` — what ``make run``
does: every ingest DAG, the base-layer build, the catalog refresh, the exports and the operations
report, through Airflow — runs in a child process on a fresh lake, while the resident memory of its
whole process tree is sampled. Each of our tasks records how long its own work took
(:mod:`orchestration.metrics`), which gives seconds and rows/s per stage; what the DAG runs took beyond
that is Airflow's share.

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

from bench.common import RESULTS, figure, write_results
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


def generate(scale: str, sources: Path, env: dict[str, str]) -> float | None:
    """Generate the synthetic district once; returns the seconds that took, also when an earlier run generated
    it (kept beside the sources), or None if that is unknown."""
    timing = sources.parent / "generate.json"
    if (sources / "manifest.json").is_file():
        return json.loads(timing.read_text())["generate_s"] if timing.is_file() else None
    clock = time.monotonic()
    subprocess.run([BLOCKLAKE, "generate", "--scale", scale, "--out", str(sources)],
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


def dag_seconds(home: Path) -> dict[str, float]:
    """Each DAG run's wall seconds, from Airflow's own record of the run (its metadata database)."""
    with sqlite3.connect(f"file:{home / 'airflow' / 'airflow.db'}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT dag_id, start_date, end_date FROM dag_run WHERE end_date IS NOT NULL").fetchall()
    found: dict[str, float] = {}
    for dag_id, start, end in rows:
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
        found[dag_id] = found.get(dag_id, 0.0) + seconds
    return found


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
    args = parser.parse_args()
    root = PROJECT / "var" / "bench" / args.scale
    sources, home = root / "sources", root / "run"
    shutil.rmtree(home, ignore_errors=True)  # a fresh lake, catalog and Airflow database every run
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "BLOCKLAKE_"))}
    env.update(BLOCKLAKE_HOME=str(home), BLOCKLAKE_SOURCES_DIR=str(sources), BLOCKLAKE_SCALE=args.scale)
    generate_s = generate(args.scale, sources, env)
    started = datetime.now(UTC)
    wall_s, memory, code = run_pipeline(args.scale, env)
    records = read_stages(since=started, path=home / "metrics" / "stages.jsonl")
    totals = stage_totals(records)
    if "dbt" in totals:
        totals["dbt"] = (totals["dbt"][0], built_rows(home))
    dags = dag_seconds(home)
    work_s = sum(seconds for seconds, _ in totals.values())
    overhead_s = sum(dags.values()) - work_s
    records_loaded = totals.get("ingest", (0.0, 0))[1]
    figures = [
        figure("wall_s", wall_s, "s", TARGETS.get(args.scale, {}).get("wall_s")),
        figure("peak_rss_gib", memory.peak_gib, "GiB", "<= 12"),
        figure("airflow_overhead_share", overhead_s / wall_s, "ratio", "<= 0.10"),
        figure("airflow_overhead_s", overhead_s, "s"),
        figure("tasks_work_s", work_s, "s"),
        figure("records_loaded", records_loaded, "records"),
        figure("records_per_s_end_to_end", records_loaded / wall_s, "records/s"),
        *stage_figures(totals),
    ]
    if generate_s is not None:
        figures.append(figure("generate_s", generate_s, "s"))
    path = write_results(f"pipeline-{args.scale}", args.scale, figures, exit_code=code, dag_seconds=dags,
                         tasks=len(records), definitions={
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
                         })
    page = write_page(args.scale, RESULTS / f"pipeline-{args.scale}.html", figures, totals, dags, memory)
    print(f"{args.scale}: wall {wall_s:.0f}s, peak {memory.peak_gib:.1f} GiB, Airflow overhead "
          f"{overhead_s / wall_s:.1%}; wrote {path} and {page}")
    if code != 0:
        raise SystemExit(f"blocklake run exited with {code}; the figures above describe a failed run")


if __name__ == "__main__":
    main()
