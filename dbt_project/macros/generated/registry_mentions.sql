{#- Generated from the registry's data elements (ingestion/registry/*.yaml) by `blocklake dbt-sources`:
    edit the registry, not this file. transform/mentions.py says how they are derived. -#}

{% macro person_mentions() %}{{ return([
    {"model": "stg_civil__subsidy_recipient", "source": "civil.subsidy_recipient", "key": "\"row_no\"", "column": "身份证号码", "role": "self", "id": "\"resident_id\"", "address": "\"home_address\"", "name": "\"person_name\"", "phone": "\"phone\"", "at": "\"started_on\""},
    {"model": "stg_civil__elderly_alone", "source": "civil.elderly_alone", "key": "\"row_no\"", "column": "身份证号码", "role": "self", "id": "\"resident_id\"", "address": "\"residence_address\"", "name": "\"person_name\""},
    {"model": "stg_disability__disabled_person", "source": "disability.disabled_person", "key": "\"disability_card_no\"", "column": "身份证号", "role": "self", "id": "\"resident_id\"", "address": "\"residence_address\"", "name": "\"person_name\"", "phone": "\"phone\"", "at": "\"issued_on\""},
    {"model": "stg_education__student", "source": "education.student", "key": "\"student_no\"", "column": "身份证号", "role": "self", "id": "\"resident_id\"", "address": "\"home_address\"", "name": "\"person_name\"", "at": "\"enrolled_on\""},
    {"model": "stg_education__student", "source": "education.student", "key": "\"student_no\"", "column": "监护人身份证号", "role": "监护人", "id": "\"guardian_resident_id\"", "address": "\"home_address\"", "name": "\"guardian_name\"", "phone": "\"guardian_phone\"", "at": "\"enrolled_on\""},
    {"model": "stg_grid__grid_staff", "source": "grid.grid_staff", "key": "\"staff_id\"", "column": "sfzh", "role": "self", "id": "\"resident_id\"", "name": "\"person_name\"", "phone": "\"phone\"", "at": "\"hired_on\""},
    {"model": "stg_health__family_doctor_signing", "source": "health.family_doctor_signing", "key": "\"signing_id\"", "column": "身份证号", "role": "self", "id": "\"resident_id\"", "address": "\"residence_address\"", "name": "\"person_name\"", "phone": "\"phone\"", "at": "\"signed_on\""},
    {"model": "stg_health__birth_certificate", "source": "health.birth_certificate", "key": "\"birth_certificate_no\"", "column": "母亲身份证号", "role": "母亲", "id": "\"mother_resident_id\"", "address": "\"home_address\"", "name": "\"mother_name\"", "at": "\"issued_on\""},
    {"model": "stg_health__birth_certificate", "source": "health.birth_certificate", "key": "\"birth_certificate_no\"", "column": "父亲身份证号", "role": "父亲", "id": "\"father_resident_id\"", "address": "\"home_address\"", "at": "\"issued_on\""},
    {"model": "stg_hrss__social_insurance", "source": "hrss.social_insurance", "key": "\"insured_person_no\"", "column": "aac002", "role": "self", "id": "\"resident_id\"", "name": "\"person_name\"", "at": "\"updated_at\""},
    {"model": "stg_hrss__employment", "source": "hrss.employment", "key": "\"employment_record_id\"", "column": "aac002", "role": "self", "id": "\"resident_id\"", "name": "\"person_name\"", "at": "\"updated_at\""},
    {"model": "stg_market__business_registration", "source": "market.business_registration", "key": "\"uscc\"", "column": "legal_rep_id", "role": "法定代表人", "id": "\"legal_rep_resident_id\"", "name": "\"legal_rep_name\"", "at": "\"updated_at\""},
    {"model": "stg_police__resident", "source": "police.resident", "key": "\"resident_record_id\"", "column": "sfzh", "role": "self", "id": "\"resident_id\"", "address": "\"residence_address\"", "name": "\"person_name\"", "phone": "\"phone\"", "at": "\"updated_at\""},
    {"model": "stg_police__rental", "source": "police.rental", "key": "\"rental_id\"", "column": "fzsfzh", "role": "房主", "id": "\"landlord_resident_id\"", "name": "\"landlord_name\"", "at": "\"updated_at\""},
    {"model": "stg_police__rental", "source": "police.rental", "key": "\"rental_id\"", "column": "zksfzh", "role": "租客", "id": "\"tenant_resident_id\"", "address": "\"rental_address\"", "name": "\"tenant_name\"", "at": "\"updated_at\""}
]) }}{% endmacro %}

{% macro address_mentions() %}{{ return([
    {"model": "stg_civil__subsidy_recipient", "source": "civil.subsidy_recipient", "key": "\"row_no\"", "column": "家庭住址", "text": "\"home_address\""},
    {"model": "stg_civil__elderly_alone", "source": "civil.elderly_alone", "key": "\"row_no\"", "column": "居住地址", "text": "\"residence_address\""},
    {"model": "stg_disability__disabled_person", "source": "disability.disabled_person", "key": "\"disability_card_no\"", "column": "居住地址", "text": "\"residence_address\""},
    {"model": "stg_education__student", "source": "education.student", "key": "\"student_no\"", "column": "家庭住址", "text": "\"home_address\""},
    {"model": "stg_education__school", "source": "education.school", "key": "\"school_code\"", "column": "地址", "text": "\"school_address\""},
    {"model": "stg_health__family_doctor_signing", "source": "health.family_doctor_signing", "key": "\"signing_id\"", "column": "居住地址", "text": "\"residence_address\""},
    {"model": "stg_health__birth_certificate", "source": "health.birth_certificate", "key": "\"birth_certificate_no\"", "column": "家庭住址", "text": "\"home_address\""},
    {"model": "stg_hotline__hotline_ticket", "source": "hotline.hotline_ticket", "key": "\"ticket_no\"", "column": "event_address", "text": "\"event_address\""},
    {"model": "stg_market__business_registration", "source": "market.business_registration", "key": "\"uscc\"", "column": "registered_address", "text": "\"registered_address\""},
    {"model": "stg_police__resident", "source": "police.resident", "key": "\"resident_record_id\"", "column": "hjdz", "text": "\"household_address\""},
    {"model": "stg_police__resident", "source": "police.resident", "key": "\"resident_record_id\"", "column": "jzdz", "text": "\"residence_address\""},
    {"model": "stg_police__rental", "source": "police.rental", "key": "\"rental_id\"", "column": "fwdz", "text": "\"rental_address\""},
    {"model": "stg_tax__taxpayer", "source": "tax.taxpayer", "key": "\"uscc\"", "column": "scjydz", "text": "\"operating_address\""},
    {"model": "stg_urban__city_event", "source": "urban.city_event", "key": "\"event_no\"", "column": "sjdz", "text": "\"event_address\""},
    {"model": "stg_water__water_meter", "source": "water.water_meter", "key": "\"meter_no\"", "column": "install_address", "text": "\"install_address\""}
]) }}{% endmacro %}

{% macro entity_mentions() %}{{ return([
    {"model": "stg_hrss__social_insurance", "source": "hrss.social_insurance", "key": "\"insured_person_no\"", "column": "aab001", "uscc": "\"uscc\"", "name": "\"employer_name\""},
    {"model": "stg_hrss__employment", "source": "hrss.employment", "key": "\"employment_record_id\"", "column": "aab001", "uscc": "\"uscc\""},
    {"model": "stg_market__business_registration", "source": "market.business_registration", "key": "\"uscc\"", "column": "uscc", "uscc": "\"uscc\"", "name": "\"entity_name\""},
    {"model": "stg_market__annual_report", "source": "market.annual_report", "key": "\"uscc\"", "column": "uscc", "uscc": "\"uscc\""},
    {"model": "stg_tax__taxpayer", "source": "tax.taxpayer", "key": "\"uscc\"", "column": "nsrsbh", "uscc": "\"uscc\"", "name": "\"taxpayer_name\""},
    {"model": "stg_tax__tax_declaration", "source": "tax.tax_declaration", "key": "\"declaration_id\"", "column": "nsrsbh", "uscc": "\"uscc\""}
]) }}{% endmacro %}
