{{ config(unique_key='insured_person_no') }}

with source as (
    select * from {{ published_source('hrss', 'social_insurance') }}
),

renamed as (
    select
        {{ clean_text('aac001') }} as insured_person_no,
        {{ normalize_resident_id('aac002') }} as resident_id,
        {{ clean_name('aac003') }} as person_name,
        {{ normalize_uscc('aab001') }} as uscc,
        {{ clean_text('aab004') }} as employer_name,
        {{ clean_text('aae140') }} as insurance_type_code,
        case {{ clean_text('aae140') }}
            when '110' then '企业职工基本养老保险'
            when '210' then '失业保险'
            when '310' then '职工基本医疗保险'
            when '410' then '工伤保险'
            when '510' then '生育保险'
        end as insurance_type,
        {{ parse_month('aae030') }} as coverage_start_month,
        {{ parse_month('aae031') }} as coverage_end_month,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as load_id
    from source
)

select
    *,
    {{ resident_id_is_valid('resident_id') }} as resident_id_valid,
    {{ uscc_is_valid('uscc') }} as uscc_valid
from renamed
