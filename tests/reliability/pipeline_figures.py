"""What a finished pipeline run shows consumers, as JSON: every published table's rows and content hash
(lineage columns left out), the headline figures, the directory's statistics and, with ``--deliver``,
the bundles delivered for the demo applications. Run as ``python -m tests.reliability.pipeline_figures``
under the home to describe (``BLOCKLAKE_HOME``), so two runs can be compared figure by figure."""

from __future__ import annotations

import argparse
import json

import duckdb

from blocklake import lake
from blocklake.published import published_snapshots
from orchestration.headlines import headline_figures
from orchestration.pipeline import directory_figures, export_figures


def published_content(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    content = {}
    for table, snapshot in sorted(published_snapshots(con).items()):
        relation = f"lake.{table} AT (VERSION => {snapshot})"
        columns = [name for name, *_ in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
                   if not name.startswith("_")]
        row_hash = "hash(" + ", ".join(f'"{name}"' for name in columns) + ")"
        count, digest = con.execute(f"SELECT count(*), sum({row_hash})::VARCHAR FROM {relation}").fetchone()
        content[table] = [count, digest]
    return content


def figures(*, deliver: bool) -> dict[str, object]:
    con = lake.connect(read_only=True)
    try:
        document: dict[str, object] = {"published": published_content(con), "headlines": headline_figures(con)}
    finally:
        con.close()
    document["directory"] = directory_figures()
    if deliver:
        from catalog.demo import subscribe_now
        from exports.service import export_due

        subscribe_now()
        export_due()
        document["exports"] = export_figures()
    return document


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliver", action="store_true")
    print(json.dumps(figures(deliver=parser.parse_args().deliver), ensure_ascii=False, sort_keys=True, default=str))
