{{ config(unique_key='staff_id') }}

with source as (
    select * from {{ published_source('grid', 'grid_staff') }}
),

renamed as (
    select
        {{ clean_text('ryid') }} as staff_id,
        {{ clean_name('xm') }} as person_name,
        {{ normalize_resident_id('sfzh') }} as resident_id,
        {{ normalize_phone('lxdh') }} as phone,
        {{ clean_text('wgbm') }} as grid_code,
        {{ parse_date('rzrq') }} as hired_on,
        _batch_id as load_id
    from source
)

select
    *,
    {{ resident_id_is_valid('resident_id') }} as resident_id_valid
from renamed
