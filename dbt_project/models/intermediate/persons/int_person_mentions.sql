{#- Every place a person appears in a department's data, one row per (record, role). The list is derived
    from the registry's data elements (transform/mentions.py writes macros/generated/registry_mentions.sql):
    a resident-ID column, and the name, phone and address columns of the same person. -#}
{%- set mentions = person_mentions() -%}

{% for m in mentions %}
select
    '{{ m.source }}' as source,
    '{{ m.role }}' as role,
    '{{ m.column }}' as source_column,
    cast({{ m.key }} as varchar) as record_key,
    {{ m.id }} as resident_id_written,
    {{ m.get("name") or "cast(null as varchar)" }} as person_name,
    {{ m.get("phone") or "cast(null as varchar)" }} as phone,
    {{ m.get("address") or "cast(null as varchar)" }} as address,
    cast({{ m.get("at") or "null" }} as timestamp) as observed_at
from {{ ref(m.model) }}
where {{ m.id }} is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
