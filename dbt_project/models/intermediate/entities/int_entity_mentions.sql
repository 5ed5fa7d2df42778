{#- Every place a legal entity appears in a department's data, one row per (record, credit-code column):
    every USCC column of the registry's data elements (transform/mentions.py writes the list into
    macros/generated/registry_mentions.sql), with the organisation's name where the table has one. -#}
{%- set mentions = entity_mentions() -%}

{% for m in mentions %}
select
    '{{ m.source }}' as source,
    '{{ m.column }}' as source_column,
    cast({{ m.key }} as varchar) as record_key,
    {{ m.uscc }} as uscc,
    {{ m.get("name") or "cast(null as varchar)" }} as entity_name
from {{ ref(m.model) }}
where {{ m.uscc }} is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
