{{ config(unique_key='grid_code') }}

with source as (
    select * from {{ published_source('grid', 'grid_cell') }}
),

renamed as (
    select
        {{ clean_text('wgbm') }} as grid_code,
        {{ clean_text('wgmc') }} as grid_name,
        {{ clean_text('sqbm') }} as community_code,
        {{ clean_text('sqmc') }} as community_name,
        {{ clean_name('wgy_xm') }} as grid_worker_name,
        {{ normalize_phone('wgy_dh') }} as grid_worker_phone,
        cast(mj_pfm as decimal(18, 2)) as area_sqm,
        _batch_id as load_id
    from source
)

select * from renamed
