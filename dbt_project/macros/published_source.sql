{#- A raw table as its quality gate last published it: `lake.raw.<table> AT (VERSION => <snapshot>)`.
    Staging reads raw tables only through this macro, so a load that failed its gate never reaches the
    base layer: the previous published version is read instead. A table that never passed its gate
    stops the build with the reason. Unit tests (fixture rows instead of the source) read the source.

    The publication read is the one in force when the build started (`--vars publication_snapshot`,
    set by transform.builds): every model of a build sees the same publications, and the build covers
    exactly those.

    In an incremental run (the staging models), only what the publication changed since the one the
    model was last built from (lake.meta.staged_inputs): the rows inserted or changed, read from
    DuckLake's change feed, and a tombstone for each key that is gone (`_batch_id` = the tombstone
    mark), which the `published_changes` strategy deletes. -#}
{% macro published_source(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute or model.resource_type == 'unit_test' or relation.identifier is not defined -%}
        {{ relation }}
    {%- else -%}
        {%- set table = relation.schema ~ '.' ~ relation.identifier -%}
        {%- set snapshot = published_snapshot(table) -%}
        {%- if snapshot is none -%}
            {{ exceptions.raise_compiler_error(
                table ~ " has no published version: its quality gate has never passed. "
                ~ "See lake.quality.scores and lake.quality.results for why.") }}
        {%- endif -%}
        {%- if is_incremental() -%}
            {{ published_changes(relation, source_name, table_name, staged_snapshot(table), snapshot) }}
        {%- else -%}
            {{ relation }} AT (VERSION => {{ snapshot }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- The snapshot consumers read `table` (`schema.table`) at, as published when the build started.
    The publication record exists: transform.builds creates the lake.meta tables before dbt runs
    (asking the lake's information_schema instead cost a second a model on a busy lake). -#}
{% macro published_snapshot(table) -%}
    {%- set at = var('publication_snapshot', none) -%}
    {%- set published = 'lake.meta.published' ~ (' AT (VERSION => ' ~ at ~ ')' if at is not none else '') -%}
    {%- set found = run_query("select max_by(snapshot_id, (published_at, snapshot_id)) from " ~ published
                              ~ " where table_name = '" ~ table ~ "'") -%}
    {{ return(found.rows[0][0]) }}
{%- endmacro %}


{#- The raw snapshot this model was last built from. -#}
{% macro staged_snapshot(table) -%}
    {%- set found = run_query("select max(snapshot_id) from lake.meta.staged_inputs where model_name = '"
                              ~ this.identifier ~ "' and source_table = '" ~ table ~ "'").rows[0][0] -%}
    {%- if found is none -%}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ " exists but has no record of the publication of " ~ table ~ " it was built from "
            ~ "(lake.meta.staged_inputs): rebuild it once with `blocklake build --full-refresh`.") }}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}


{%- macro tombstone() -%}__deleted__{%- endmacro %}


{#- The rows of `relation` that changed between the published snapshots `since` (excluded) and `until`,
    as the table stands at `until`, and a tombstone for each key no longer there. -#}
{% macro published_changes(relation, source_name, table_name, since, until) -%}
    {%- set quoted = [] -%}
    {%- for key in graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name].meta.primary_key -%}
        {%- do quoted.append(adapter.quote(key)) -%}
    {%- endfor -%}
    {%- set key_list = quoted | join(', ') -%}
    {#- Lake maintenance expires unpublished snapshots: the feed starts at the first one kept after `since`. -#}
    {%- set first = run_query("select min(snapshot_id) from ducklake_snapshots('lake') where snapshot_id > "
                              ~ since).rows[0][0] -%}
    {%- if first is none or first > until -%}
        (select * from {{ relation }} AT (VERSION => {{ until }}) where false)
    {%- else -%}
        (
            with feed as (
                select * from ducklake_table_changes('lake', '{{ relation.schema }}', '{{ relation.identifier }}',
                                                     {{ first }}, {{ until }})
            ),
            latest as (
                -- a load replaces a changed row by a delete and an insert in one snapshot: the insert is the state
                select * from feed
                qualify row_number() over (
                    partition by {{ key_list }}
                    order by snapshot_id desc, change_type in ('insert', 'update_postimage') desc, rowid desc) = 1
            )
            select * exclude (snapshot_id, rowid, change_type) from latest
            where change_type in ('insert', 'update_postimage')
            union all by name
            select {{ key_list }}, '{{ tombstone() }}' as _batch_id from latest
            where change_type in ('delete', 'update_preimage')
        )
    {%- endif -%}
{%- endmacro %}


{#- Post-hook of the staging models: the raw snapshots this build read, for the next incremental run. -#}
{% macro record_published_inputs() -%}
    {%- if execute and model.resource_type == 'model' -%}
        {%- for node_id in model.depends_on.nodes if node_id.startswith('source.') %}
            {%- set found = graph.sources[node_id] -%}
            {%- set table = found.schema ~ '.' ~ found.identifier %}
        insert into lake.meta.staged_inputs values
            ('{{ this.identifier }}', '{{ table }}', {{ published_snapshot(table) }}, now());
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
