{#- The incremental strategy of the staging models: the batch (published_source's changed rows and
    tombstones) replaces the rows of its keys; tombstones are not inserted, so their keys are gone. -#}
{% macro get_incremental_published_changes_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set keys = arg_dict['unique_key'] -%}
    {%- if keys is none -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": the published_changes strategy needs a unique_key") }}
    {%- endif -%}
    {%- set keys = [keys] if keys is string else keys -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    delete from {{ target }} as kept where exists (
        select 1 from {{ batch }} as changed
        where {% for key in keys %}changed.{{ adapter.quote(key) }} is not distinct from kept.{{ adapter.quote(key) }}{% if not loop.last %} and {% endif %}{% endfor %});
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ batch }} where load_id is distinct from '{{ tombstone() }}'
{%- endmacro %}
