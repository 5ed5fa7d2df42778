"""The transform stage: dbt (dbt-duckdb) builds the block-data base layer from the published raw tables
(:mod:`transform.dbt`), over what the registry decides, written for dbt (:mod:`transform.generated`): the
raw-layer sources (:mod:`transform.sources`), staging models of tables nobody wrote one for
(:mod:`transform.staging`) and the lists of where persons, addresses and entities appear
(:mod:`transform.mentions`)."""
