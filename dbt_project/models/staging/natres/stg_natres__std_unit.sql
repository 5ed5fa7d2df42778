{{ config(unique_key='unit_code') }}

with source as (
    select * from {{ published_source('natres', 'std_unit') }}
),

renamed as (
    select
        {{ clean_text('unit_code') }} as unit_code,
        {{ clean_text('building_code') }} as building_code,
        cast(floor as integer) as floor_no,
        {{ clean_text('room_no') }} as room_no,
        cast(area_sqm as decimal(18, 2)) as area_sqm,
        {{ clean_text('usage') }} as usage_type,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as load_id
    from source
)

select * from renamed
