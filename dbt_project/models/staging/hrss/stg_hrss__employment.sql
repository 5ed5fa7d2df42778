{{ config(unique_key='employment_record_id') }}

with source as (
    select * from {{ published_source('hrss', 'employment') }}
),

renamed as (
    select
        {{ clean_text('jydjid') }} as employment_record_id,
        {{ normalize_resident_id('aac002') }} as resident_id,
        {{ clean_name('aac003') }} as person_name,
        {{ normalize_uscc('aab001') }} as uscc,
        {{ parse_date('jyrq') }} as employed_on,
        {{ clean_text('gw') }} as job_title,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as load_id
    from source
)

select
    *,
    {{ resident_id_is_valid('resident_id') }} as resident_id_valid,
    {{ uscc_is_valid('uscc') }} as uscc_valid
from renamed
