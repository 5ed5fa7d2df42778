{{ config(unique_key='reading_id') }}

with source as (
    select * from {{ published_source('water', 'meter_reading') }}
),

renamed as (
    select
        cast(reading_id as bigint) as reading_id,
        {{ clean_text('meter_no') }} as meter_no,
        {{ parse_month('reading_month') }} as reading_month,
        cast(reading as decimal(18, 2)) as reading_m3,
        cast(usage_m3 as decimal(18, 2)) as usage_m3,
        cast(read_at as timestamp) as read_at,
        _batch_id as load_id
    from source
)

select * from renamed
