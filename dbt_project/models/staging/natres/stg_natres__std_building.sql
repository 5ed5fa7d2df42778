{{ config(unique_key='building_code') }}

with source as (
    select * from {{ published_source('natres', 'std_building') }}
),

renamed as (
    select
        {{ clean_text('building_code') }} as building_code,
        {{ clean_text('building_name') }} as building_name,
        {{ clean_text('estate_id') }} as estate_id,
        {{ clean_text('road_name') }} as road_name,
        {{ clean_text('door_no') }} as door_no,
        {{ clean_text('std_address') }} as standard_address,
        {{ clean_text('community_code') }} as community_code,
        {{ clean_text('grid_code') }} as grid_code,
        cast(floors as integer) as floor_count,
        {{ clean_text('usage') }} as usage_type,
        cast(built_year as integer) as built_year,
        cast(longitude as decimal(10, 6)) as longitude,
        cast(latitude as decimal(10, 6)) as latitude,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as load_id
    from source
)

select * from renamed
