{#- Every free-text address in the departments' data, one row per (record, column): every address column
    of the registry's data elements but the plate's own (transform/mentions.py writes the list into
    macros/generated/registry_mentions.sql). The matcher works on the distinct texts. -#}
{%- set columns = address_mentions() -%}

{% for m in columns %}
select
    '{{ m.source }}' as source,
    '{{ m.column }}' as source_column,
    cast({{ m.key }} as varchar) as record_key,
    {{ m.text }} as address_text
from {{ ref(m.model) }}
where {{ m.text }} is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
