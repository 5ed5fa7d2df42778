{{ config(unique_key='doorplate_id') }}

with source as (
    select * from {{ published_source('natres', 'std_doorplate') }}
),

renamed as (
    select
        {{ clean_text('doorplate_id') }} as doorplate_id,
        {{ clean_text('road_name') }} as road_name,
        {{ clean_text('door_no') }} as door_no,
        {{ clean_text('building_code') }} as building_code,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as load_id
    from source
)

select * from renamed
