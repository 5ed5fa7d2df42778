"""Airflow DAG file: Blocklake's DAGs, built from the source registry (ingestion/registry/*.yaml).

- ``ingest_<department>``: one per department, a task per table, each emitting its raw-table Asset;
- ``build_block_base``: dbt build of the block-data base layer, scheduled on those Assets.
Kept thin on purpose: the DAGs are built by blocklake.dag_factory.
"""

from blocklake.dag_factory import build_dags

globals().update(build_dags())
