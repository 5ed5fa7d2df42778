"""Exports: a bundle of the largest published table at the district scale vs DuckDB's own
``COPY … TO parquet`` of the same rows.

Runs on the district lake that ``bench.baselayer`` leaves in ``var/bench`` and the catalog
``bench.catalog`` registers there. A department applies for every item of the largest published
table; the provider approves; then, after one warm-up of each:

- ``COPY``: DuckDB copies the same rows and columns, unmasked, to zstd Parquet (the floor);
- our Parquet export: the same rows through the bundle's projection (approved items, masks,
  pseudonyms, row scope) to zstd Parquet, and its SHA-256 — like for like with ``COPY``;
- the whole bundle: that Parquet plus the CSV and SQL files for PostgreSQL and MySQL, the manifest,
  the delivery and its record.

Writes ``bench/results/exports.json``: ``export_vs_copy_ratio`` (the Parquet export, ≤ 1.5) and
``bundle_vs_copy_ratio`` (everything; a large table's CSV alone costs more than its Parquet).
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

from bench.common import figure, write_results
from blocklake.settings import PROJECT_ROOT, get_settings

CONSUMER = "civil"
MASKED_TABLE = "base.base_person"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=PROJECT_ROOT / "var" / "bench")
    args = parser.parse_args()
    os.environ["BLOCKLAKE_HOME"] = str(args.home)
    os.environ.setdefault("BLOCKLAKE_EXPORT_SECRET", "bench")
    get_settings.cache_clear()
    from blocklake import lake
    from exports.service import make_target

    settings = get_settings()
    shutil.rmtree(settings.exports_path, ignore_errors=True)
    delivery = prepare(largest_table())
    con = lake.connect(settings, read_only=True)
    try:
        copy_s = timed(lambda: copy_reference(con, delivery, args.home / "tmp" / "copy.parquet"))
        parquet_s = timed(lambda: parquet_only(con, delivery, make_target(settings)))
        bundle_s, rows = bundle(con, delivery, settings)
        personal = prepare(MASKED_TABLE)  # the same on a table whose IDs and phones are masked and pseudonymised
        masked_copy_s = timed(lambda: copy_reference(con, personal, args.home / "tmp" / "copy.parquet"))
        masked_s = timed(lambda: parquet_only(con, personal, make_target(settings)))
    finally:
        con.close()
    path = write_results("exports", "district", [
        figure("export_vs_copy_ratio", parquet_s / copy_s, "ratio", "<= 1.5"),
        figure("bundle_vs_copy_ratio", bundle_s / copy_s, "ratio"),
        figure("masked_export_vs_copy_ratio", masked_s / masked_copy_s, "ratio"),
        figure("export_s", parquet_s, "s"),
        figure("bundle_s", bundle_s, "s"),
        figure("copy_s", copy_s, "s"),
        figure("rows", rows, "rows"),
        figure("bundle_rows_per_s", rows / bundle_s, "rows/s"),
    ], table=delivery.source_key, items=len(delivery.items), masked=sorted(delivery.sensitive))
    print(f"{delivery.source_key}: {rows:,} rows; COPY {copy_s:.1f}s, Parquet export {parquet_s:.1f}s "
          f"(ratio {parquet_s / copy_s:.2f}), whole bundle {bundle_s:.1f}s (ratio {bundle_s / copy_s:.2f})")
    print(f"wrote {path}")


def largest_table() -> str:
    from sqlalchemy import select

    from catalog import db
    from catalog.models import Resource

    db.upgrade()
    with db.session() as session:
        return session.scalar(select(Resource.source_key).where(Resource.published_snapshot.is_not(None),
                                                                Resource.share_type != "不予共享")
                              .order_by(Resource.record_count.desc()).limit(1))


def prepare(source_key: str):
    """An approved application of ``CONSUMER`` for every item of the table; returns its delivery."""
    from sqlalchemy import select

    from catalog import db, sharing
    from catalog.models import Application, Department, Resource
    from exports.plan import delivery_for

    db.upgrade()
    with db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.source_key == source_key))
        consumer = session.scalar(select(Department).where(Department.code == CONSUMER))
        application = session.scalar(select(Application).where(Application.resource_id == resource.id,
                                                                Application.consumer_id == consumer.id))
        if application is None:
            request = sharing.ApplicationRequest(items=[item.column_name for item in resource.items], purpose="基准")
            application = sharing.apply(session, resource, consumer, request)
            session.flush()
        if application.status == "pending":
            sharing.decide(session, application, resource.provider, approve=True, reason="基准测试")
        return delivery_for(application)


def copy_reference(con, delivery, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = ", ".join(f'"{item}"' for item in delivery.items)
    con.execute(f"COPY (SELECT {columns} FROM lake.{delivery.source_key} AT (VERSION => {delivery.snapshot_id})) "
                f"TO '{path}' (FORMAT parquet, COMPRESSION zstd)")


def parquet_only(con, delivery, target) -> None:
    """The bundle's Parquet and its checksum, as the export writes them."""
    from blocklake import masking
    from exports.bundle import sha256, write_parquet

    folder = target.staging()
    try:
        path = folder / "x.parquet"
        write_parquet(con, delivery, path, key=masking.consumer_key(b"bench", delivery.consumer_code))
        sha256(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bundle(con, delivery, settings) -> tuple[float, int]:
    """The whole export, measured on its second delivery (the first warms the same caches COPY had)."""
    from blocklake import masking
    from exports.service import deliver, make_target

    target, secret = make_target(settings), masking.bureau_secret(settings)
    deliver(con, delivery, target, settings, secret, raise_errors=True)
    _forget(delivery)
    clock = time.perf_counter()
    result = deliver(con, delivery, target, settings, secret, raise_errors=True)
    return time.perf_counter() - clock, result.rows


def _forget(delivery) -> None:
    """Drop the first delivery's record so the second is a full delivery, not 'already delivered'."""
    from sqlalchemy import delete

    from catalog import db
    from catalog.models import Export

    with db.session() as session:
        session.execute(delete(Export).where(Export.application_id == delivery.application_id))


def timed(action) -> float:
    action()  # warm-up: the lake's files in the page cache, the extensions loaded
    clock = time.perf_counter()
    action()
    return time.perf_counter() - clock


if __name__ == "__main__":
    main()
