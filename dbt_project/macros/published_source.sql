{#- A raw table as its quality gate last published it: `lake.raw.<table> AT (VERSION => <snapshot>)`.
    Staging reads raw tables only through this macro, so a load that failed its gate never reaches the
    base layer: the previous published version is read instead. A table that never passed its gate
    stops the build with the reason. Unit tests (fixture rows instead of the source) read the source. -#}
{% macro published_source(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute or model.resource_type == 'unit_test' or relation.identifier is not defined -%}
        {{ relation }}
    {%- else -%}
        {%- set table = relation.schema ~ '.' ~ relation.identifier -%}
        {%- set ledger = run_query("select count(*) from information_schema.tables where table_catalog = 'lake' "
                                   ~ "and table_schema = 'meta' and table_name = 'published'") -%}
        {%- set snapshot = none -%}
        {%- if ledger.rows[0][0] > 0 -%}
            {%- set found = run_query("select max_by(snapshot_id, (published_at, snapshot_id)) "
                                      ~ "from lake.meta.published where table_name = '" ~ table ~ "'") -%}
            {%- set snapshot = found.rows[0][0] -%}
        {%- endif -%}
        {%- if snapshot is none -%}
            {{ exceptions.raise_compiler_error(
                table ~ " has no published version: its quality gate has never passed. "
                ~ "See lake.quality.scores and lake.quality.results for why.") }}
        {%- endif -%}
        {{ relation }} AT (VERSION => {{ snapshot }})
    {%- endif -%}
{%- endmacro %}
