{{ config(unique_key='callback_id') }}

with source as (
    select * from {{ published_source('hotline', 'hotline_callback') }}
),

renamed as (
    select
        cast(callback_id as bigint) as callback_id,
        {{ clean_text('ticket_no') }} as ticket_no,
        cast(callback_at as timestamp) as callback_at,
        {{ clean_text('result') }} as callback_result,
        {{ clean_text('satisfaction') }} as satisfaction,
        _batch_id as load_id
    from source
)

select * from renamed
