"""Nanhai: a registry the size of 南海区's resource directory — 4,280 tables from 82 departments — on the
PostgreSQL lake catalog (what a bureau of that size runs), through the real DAGs, day 1 and day 2.

The departments are the many-tables bench's (:mod:`bench.many_tables`: small SQLite tables, every DAG run
once as ``make run`` does), at Nanhai's size and with the lake's catalog in a fresh database on the
loopback PostgreSQL server. Day 2 changes about 1% of every table at its source and runs again. Writes
``bench/results/nanhai.json``: each day's wall, seconds per table, catalog refresh and Airflow's share.
"""

from __future__ import annotations

import argparse

from bench.lake_catalog_growth import postgres_database
from bench.many_tables import measure

DEPARTMENTS, TABLES = 82, 4280


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=DEPARTMENTS)
    parser.add_argument("--tables", type=int, default=TABLES)
    args = parser.parse_args()
    with postgres_database() as catalog:
        measure(args.departments, args.tables, lake_catalog=catalog, day_two=True, area="nanhai")


if __name__ == "__main__":
    main()
