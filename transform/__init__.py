"""The transform stage: dbt (dbt-duckdb) builds the block-data base layer from the published raw tables
(:mod:`transform.dbt`), over sources written from the registry (:mod:`transform.sources`)."""
