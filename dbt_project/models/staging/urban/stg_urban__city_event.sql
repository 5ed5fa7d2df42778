{{ config(unique_key='event_no') }}

with source as (
    select * from {{ published_source('urban', 'city_event') }}
),

renamed as (
    select
        {{ clean_text('sjbh') }} as event_no,
        {{ clean_text('sjlx') }} as event_type,
        {{ clean_text('wgbm') }} as grid_code,
        {{ parse_timestamp('fxsj') }} as reported_at,
        {{ clean_text('sjdz') }} as event_address,
        {{ clean_text('ajzt') }} as case_status,
        {{ parse_timestamp('jasj') }} as closed_at,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as load_id
    from source
)

select * from renamed
