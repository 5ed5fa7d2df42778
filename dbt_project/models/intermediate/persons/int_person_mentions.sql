{#- Every place a person appears in a department's data, one row per (record, role). The list below is the
    only place that knows which staging column plays which part; add a source by adding an entry. -#}
{%- set mentions = [
    {"model": "stg_police__resident", "source": "police.resident", "key": "resident_record_id", "column": "sfzh",
     "role": "self", "id": "resident_id", "name": "person_name", "phone": "phone", "address": "residence_address",
     "at": "updated_at"},
    {"model": "stg_police__rental", "source": "police.rental", "key": "rental_id", "column": "zksfzh",
     "role": "tenant", "id": "tenant_resident_id", "name": "tenant_name", "address": "rental_address", "at": "updated_at"},
    {"model": "stg_police__rental", "source": "police.rental", "key": "rental_id", "column": "fzsfzh",
     "role": "landlord", "id": "landlord_resident_id", "name": "landlord_name", "at": "updated_at"},
    {"model": "stg_hrss__social_insurance", "source": "hrss.social_insurance", "key": "insured_person_no",
     "column": "aac002", "role": "self", "id": "resident_id", "name": "person_name", "at": "updated_at"},
    {"model": "stg_hrss__employment", "source": "hrss.employment", "key": "employment_record_id",
     "column": "aac002", "role": "self", "id": "resident_id", "name": "person_name", "at": "updated_at"},
    {"model": "stg_health__family_doctor_signing", "source": "health.family_doctor_signing", "key": "signing_id",
     "column": "身份证号", "role": "self", "id": "resident_id", "name": "person_name", "phone": "phone",
     "address": "residence_address", "at": "signed_on"},
    {"model": "stg_health__birth_certificate", "source": "health.birth_certificate", "key": "birth_certificate_no",
     "column": "母亲身份证号", "role": "mother", "id": "mother_resident_id", "name": "mother_name",
     "address": "home_address", "at": "issued_on"},
    {"model": "stg_health__birth_certificate", "source": "health.birth_certificate", "key": "birth_certificate_no",
     "column": "父亲身份证号", "role": "father", "id": "father_resident_id", "address": "home_address", "at": "issued_on"},
    {"model": "stg_education__student", "source": "education.student", "key": "student_no", "column": "身份证号",
     "role": "self", "id": "resident_id", "name": "person_name", "address": "home_address", "at": "enrolled_on"},
    {"model": "stg_education__student", "source": "education.student", "key": "student_no", "column": "监护人身份证号",
     "role": "guardian", "id": "guardian_resident_id", "name": "guardian_name", "phone": "guardian_phone",
     "address": "home_address", "at": "enrolled_on"},
    {"model": "stg_civil__subsidy_recipient", "source": "civil.subsidy_recipient", "key": "row_no",
     "column": "身份证号码", "role": "self", "id": "resident_id", "name": "person_name", "phone": "phone",
     "address": "home_address", "at": "started_on"},
    {"model": "stg_civil__elderly_alone", "source": "civil.elderly_alone", "key": "row_no", "column": "身份证号码",
     "role": "self", "id": "resident_id", "name": "person_name", "address": "residence_address"},
    {"model": "stg_disability__disabled_person", "source": "disability.disabled_person", "key": "disability_card_no",
     "column": "身份证号", "role": "self", "id": "resident_id", "name": "person_name", "phone": "phone",
     "address": "residence_address", "at": "issued_on"},
    {"model": "stg_grid__grid_staff", "source": "grid.grid_staff", "key": "staff_id", "column": "sfzh",
     "role": "self", "id": "resident_id", "name": "person_name", "phone": "phone", "at": "hired_on"},
    {"model": "stg_market__business_registration", "source": "market.business_registration", "key": "uscc",
     "column": "legal_rep_id", "role": "legal_rep", "id": "legal_rep_resident_id", "name": "legal_rep_name",
     "at": "updated_at"},
] -%}

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
