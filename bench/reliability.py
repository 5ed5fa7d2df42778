"""Reliability figures: runs the reliability suite (``tests/reliability``; with ``--full`` also the heavy
district-scale and restart tests of ``make test-full``) and reports what the tests counted themselves
(``tests/reliability/tally.py``). Writes ``bench/results/reliability.json``: ``faults_injected``,
``bad_inputs_tried``, ``requests_served``, ``errors_under_load`` (= 0), ``rows_lost`` (= 0) and
``pii_leaks`` (= 0), with the rows and personal values checked and the API's p99 under load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import figure, write_results
from blocklake.settings import PROJECT_ROOT

COUNTS = [("faults_injected", "faults", None), ("bad_inputs_tried", "inputs", None),
          ("requests_served", "requests", None), ("errors_under_load", "requests", "= 0"),
          ("rows_checked", "rows", None), ("rows_lost", "rows", "= 0"),
          ("pii_values_checked", "values", None), ("pii_leaks", "values", "= 0"),
          ("linkage_combinations_tried", "combinations", None)]


def run_suite(full: bool) -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as folder:
        tally = Path(folder) / "tally.json"
        marks = "full or not full" if full else "not full"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/reliability", "-m", marks]
        subprocess.run(command, cwd=PROJECT_ROOT, env={**os.environ, "BLOCKLAKE_RELIABILITY_TALLY": str(tally)},
                       check=False)
        if not tally.exists():
            raise SystemExit("the reliability suite wrote no tally: it did not get to the end (see above)")
        return json.loads(tally.read_text(encoding="utf-8"))


def demo_district_findings() -> list[str]:
    """The columns of the demo district (`make run`'s) in which the gate finds personal data that no
    declaration names: the district is generated and run in a temporary home."""
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "BLOCKLAKE"))}
        env["BLOCKLAKE_HOME"] = str(Path(folder) / "var")
        blocklake = str(Path(sys.executable).with_name("blocklake"))
        subprocess.run([blocklake, "run", "--scale", "demo", "--no-serve"], env=env, check=True, cwd=PROJECT_ROOT)
        query = ("SELECT DISTINCT table_name || '.' || column_name || ' (' || kind || ')' AS found "
                 "FROM lake.quality.pii_findings ORDER BY 1")
        found = subprocess.run([blocklake, "sql", "--format", "csv", query], env=env, check=True, cwd=PROJECT_ROOT,
                               capture_output=True, text=True).stdout.splitlines()
    return found[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="without the heavy tests of make test-full")
    args = parser.parse_args()
    result = run_suite(full=not args.quick)
    counts, measured, tests = result["counts"], result["measured"], result["tests"]
    figures = [figure(name, counts.get(name, 0), unit, target) for name, unit, target in COUNTS]
    figures += [figure(name, value, "ms") for name, value in sorted(measured.items())]
    figures += [figure(f"tests_{outcome}", number, "tests", "= 0" if outcome != "passed" else None)
                for outcome, number in tests.items()]
    found = demo_district_findings()
    figures.append(figure("undeclared_pii_columns_found", len(found), "columns"))
    path = write_results("reliability", "district" if not args.quick else "tests", figures,
                         undeclared_pii_columns=found)
    print(f"{tests}; " + ", ".join(f"{name} {counts.get(name, 0):,}" for name, *_ in COUNTS) + f"; wrote {path}")
    if tests.get("failed") or tests.get("error"):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
