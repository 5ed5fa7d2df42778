"""Orchestration: what runs the stages — the Airflow DAG factory, ``blocklake run``, the CLI, the UI and
cluster launchers. The only package (with ``dags/``, ``bench/`` and ``tests/``) that imports the stages."""
