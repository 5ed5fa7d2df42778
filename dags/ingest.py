"""Airflow DAG file: one ``ingest_<department>`` DAG per department of the source registry.

Kept thin on purpose; the DAGs are built by blocklake.dag_factory from ingestion/registry/*.yaml.
"""

from blocklake.dag_factory import build_ingest_dags

globals().update(build_ingest_dags())
