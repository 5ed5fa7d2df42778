{#- Every free-text address in the departments' data, one row per (record, column). The list is the only
    place that knows which staging columns hold addresses; the matcher works on the distinct texts. -#}
{%- set columns = [
    ("stg_police__resident", "police.resident", "resident_record_id", "jzdz", "residence_address"),
    ("stg_police__resident", "police.resident", "resident_record_id", "hjdz", "household_address"),
    ("stg_police__rental", "police.rental", "rental_id", "fwdz", "rental_address"),
    ("stg_market__business_registration", "market.business_registration", "uscc", "registered_address",
     "registered_address"),
    ("stg_tax__taxpayer", "tax.taxpayer", "uscc", "scjydz", "operating_address"),
    ("stg_civil__subsidy_recipient", "civil.subsidy_recipient", "row_no", "家庭住址", "home_address"),
    ("stg_civil__elderly_alone", "civil.elderly_alone", "row_no", "居住地址", "residence_address"),
    ("stg_health__family_doctor_signing", "health.family_doctor_signing", "signing_id", "居住地址",
     "residence_address"),
    ("stg_health__birth_certificate", "health.birth_certificate", "birth_certificate_no", "家庭住址", "home_address"),
    ("stg_education__student", "education.student", "student_no", "家庭住址", "home_address"),
    ("stg_education__school", "education.school", "school_code", "地址", "school_address"),
    ("stg_disability__disabled_person", "disability.disabled_person", "disability_card_no", "居住地址",
     "residence_address"),
    ("stg_hotline__hotline_ticket", "hotline.hotline_ticket", "ticket_no", "event_address", "event_address"),
    ("stg_urban__city_event", "urban.city_event", "event_no", "sjdz", "event_address"),
    ("stg_water__water_meter", "water.water_meter", "meter_no", "install_address", "install_address"),
] -%}

{% for model, source, key, source_column, column in columns %}
select
    '{{ source }}' as source,
    '{{ source_column }}' as source_column,
    cast({{ key }} as varchar) as record_key,
    {{ column }} as address_text
from {{ ref(model) }}
where {{ column }} is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
