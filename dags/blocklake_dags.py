"""Airflow DAG file: Blocklake's DAGs, built from the source registry (ingestion/registry/*.yaml).

- ``ingest_<department>``: one per department; its tables are loaded and gated in batches
  (``load_tables >> gate_tables >> verdict``), and the gate emits the Asset of each table it published;
- ``build_block_base``: dbt build of the block-data base layer, scheduled on those Assets;
- ``export_bundles``, ``ops_report``, ``lake_maintenance``.
Kept thin on purpose: the DAGs are built by orchestration.dag_factory.
"""

from orchestration.dag_factory import build_dags

globals().update(build_dags())
