"""Base-layer benchmark: ``dbt build`` of the whole block base on the district scale (≈10M source records).

Generates the district (reused when present), loads every registry table into a fresh lake without
Airflow and gates it, then times ``dbt build`` in its own process (reading that process's peak RSS)
and gates the models. Writes ``bench/results/baselayer.json`` with ``dbt_build_district_s`` (≤ 300)
and ``dbt_build_peak_rss_gib`` (≤ 8), and ``bench/results/quality.json`` (see :mod:`bench.quality`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from pathlib import Path

from bench import quality as gate_bench
from bench import truth
from bench.common import figure, write_results
from blocklake import lake
from blocklake.registry import load_registry
from blocklake.settings import PROJECT_ROOT, get_settings
from quality.gate import built_models
from quality.suites import model_suites, raw_suites
from transform.dbt import target_path


def prepare(home: Path, scale: str, seed: int) -> int:
    """Sources for the scale (kept between runs) and a fresh lake loaded from them; returns the records."""
    from synthetic import GenerateConfig, generate

    sources = home / "sources"
    manifest = sources / "manifest.json"
    if not manifest.exists() or json.loads(manifest.read_text())["scale"] != scale:
        shutil.rmtree(sources, ignore_errors=True)
        generate(GenerateConfig(out_dir=sources, scale=scale, seed=seed), progress=lambda message: None)
    for stale in ("lake", "dbt"):
        shutil.rmtree(home / stale, ignore_errors=True)
    return json.loads(manifest.read_text())["total_rows"]


def ingest_all() -> float:
    from blocklake.registry import load_registry
    from ingestion.runner import load_table

    clock = time.perf_counter()
    registry = load_registry()
    for code, dept in registry.departments.items():
        for table in dept.tables:
            load_table(code, table.name, registry=registry)
    return time.perf_counter() - clock


def dbt_build() -> tuple[float, float, dict[str, int]]:
    """The base-layer build as the pipeline runs it (its bookkeeping tables, the published sources)."""
    from transform.builds import build

    clock = time.perf_counter()
    result, _, _ = build("bench-baselayer", full_refresh=True)
    seconds = time.perf_counter() - clock
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # dbt is our only child here
    return seconds, peak_gib, result.counts()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=os.environ.get("BLOCKLAKE_BENCH_SCALE", "district"))
    parser.add_argument("--home", type=Path, default=PROJECT_ROOT / "var" / "bench")
    args = parser.parse_args()
    os.environ["BLOCKLAKE_HOME"] = str(args.home)
    get_settings.cache_clear()
    records = prepare(args.home, args.scale, get_settings().seed)
    os.environ["BLOCKLAKE_AS_OF"] = json.loads((args.home / "sources" / "manifest.json").read_text())["as_of"]
    get_settings.cache_clear()
    ingest_s = ingest_all()
    gate_timing = gate_bench.GateTiming()
    gate_bench.time_gate(list(raw_suites(load_registry()).values()), gate_timing)
    build_s, peak_gib, counts = dbt_build()
    built = built_models(target_path() / "run_results.json")
    models = [suite for table, suite in model_suites(target_path() / "manifest.json").items() if table in built]
    gate_bench.time_gate(models, gate_timing)
    gate_bench.write(args.scale, gate_timing, ingest_s + gate_timing.gate_s + build_s)
    con = lake.connect(get_settings(), read_only=True)
    quality = truth.score(con, args.home / "sources" / "_truth")
    con.close()
    targets = {"person_dedup_precision": ">= 0.99", "person_dedup_recall": ">= 0.99",
               "fake_address_precision": ">= 0.90", "fake_address_recall": ">= 0.90"}
    path = write_results("baselayer", args.scale, [
        figure(f"dbt_build_{args.scale}_s", build_s, "s", "<= 300" if args.scale == "district" else None),
        figure("dbt_build_peak_rss_gib", peak_gib, "GiB", "<= 8"),
        figure(f"ingest_{args.scale}_s", ingest_s, "s"),
        figure("source_records", records, "records"),
        *(figure(name, value, "ratio", targets.get(name)) for name, value in quality.items()),
    ], dbt_results=counts)
    print(f"{records:,} records: ingest {ingest_s:.0f}s, dbt build {build_s:.0f}s "
          f"(peak {peak_gib:.2f} GiB, {counts}); wrote {path}")


if __name__ == "__main__":
    main()
