"""Directory import: other platforms' catalogs into a fresh catalog store, five column layouts
(``synthetic.portal_catalogs``: provincial CSV in GB18030, a city's JSON, an Excel workbook, a CSV with a
BOM and English headers, a portal API's nested JSON), ``--rows`` rows each.

Writes ``bench/results/directory_import.json``: ``import_share`` (rows imported, complete or 待补全, of
all rows; target ≥ 0.95), ``values_as_meant_share`` (imported rows whose cycle, open type, formats,
date and provider were read as the generator meant them, and found complete or 待补全 as they are),
``rows_per_s`` (read, map and write), and the same per layout.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.common import figure, write_results
from blocklake.settings import get_settings
from catalog.directory_import.rows import RowOutcome
from synthetic.portal_catalogs import RowTruth, complete, departments, write_catalogs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="rows per layout")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-directory-") as folder:
        os.environ["BLOCKLAKE_HOME"] = str(Path(folder) / "home")
        get_settings.cache_clear()
        figures, layouts = measure(Path(folder), args.rows)
    path = write_results("directory_import", f"{args.rows} rows x {len(layouts)} layouts", figures, layouts=layouts)
    print(path.read_text(encoding="utf-8"))


def measure(folder: Path, rows: int) -> tuple[list[dict[str, object]], dict[str, dict[str, object]]]:
    from catalog import db
    from catalog.directory_import.importing import import_directory
    from catalog.models import Department

    url = db.database_url()
    db.upgrade(url)
    with db.session(url) as session:
        session.add_all(Department(code=code, name=name, uscc=uscc) for code, name, uscc in departments())
    catalogs = write_catalogs(folder / "files", rows)
    layouts, total, kept, meant, seconds = {}, 0, 0, 0, 0.0
    for path, truths in catalogs.items():
        started = time.perf_counter()
        with db.session(url) as session:
            report = import_directory(session, path.read_bytes(), path.name, platform=path.stem)
        elapsed = time.perf_counter() - started
        by_number = {row.number: row for row in report.rows}
        as_meant = sum(_as_meant(truth, by_number[truth.number]) for truth in truths if not truth.refused)
        imported = len(report.rows) - len(report.refused)
        layouts[path.name] = {"rows": len(report.rows), "imported": report.counts["imported"],
                              "pending": report.counts["pending"], "refused": len(report.refused),
                              "import_share": round(report.import_share, 4),
                              "values_as_meant_share": round(as_meant / imported, 4) if imported else 0.0,
                              "rows_per_s": round(len(report.rows) / elapsed)}
        total, kept, meant, seconds = total + len(report.rows), kept + imported, meant + as_meant, seconds + elapsed
    return [figure("import_share", kept / total, "share", ">= 0.95"),
            figure("values_as_meant_share", meant / kept, "share"),
            figure("rows_per_s", total / seconds, "rows/s"), figure("rows", total, "rows")], layouts


def _as_meant(truth: RowTruth, row: RowOutcome) -> bool:
    interval = row.values.get("update_cycle")
    return (row.status == ("imported" if complete(truth) else "pending")
            and (interval.code if interval else "unknown") == truth.cycle
            and (row.open_type.label if row.open_type else "") == truth.open_type
            and row.values.get("format") == truth.formats and row.values.get("publish_date") == truth.published
            and row.provider is not None and row.provider.name.endswith(truth.provider))


if __name__ == "__main__":
    main()
