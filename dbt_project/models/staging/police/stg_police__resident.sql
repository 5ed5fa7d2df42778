{{ config(unique_key='resident_record_id') }}

with source as (
    select * from {{ published_source('police', 'resident') }}
),

renamed as (
    select
        rkbh as resident_record_id,
        {{ clean_name('xm') }} as person_name,
        {{ normalize_resident_id('sfzh') }} as resident_id,
        case xb when '1' then '男' when '2' then '女' end as sex,
        {{ parse_date('csrq') }} as birth_date,
        {{ clean_text('hjdz') }} as household_address,
        {{ clean_text('jzdz') }} as residence_address,
        {{ normalize_phone('lxdh') }} as phone,
        {{ parse_date('djrq') }} as registered_on,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as load_id
    from source
)

select
    *,
    {{ resident_id_is_valid('resident_id') }} as resident_id_valid
from renamed
