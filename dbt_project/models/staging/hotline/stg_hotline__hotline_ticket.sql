{{ config(unique_key='ticket_no') }}

with source as (
    select * from {{ published_source('hotline', 'hotline_ticket') }}
),

renamed as (
    select
        {{ clean_text('ticket_no') }} as ticket_no,
        cast(received_at as timestamp) as received_at,
        {{ normalize_phone('caller_phone') }} as caller_phone,
        {{ clean_name('caller_name') }} as caller_name,
        {{ clean_text('category') }} as ticket_category,
        {{ clean_text('content') }} as content,
        {{ clean_text('event_address') }} as event_address,
        {{ clean_text('street_name') }} as street_name,
        {{ clean_text('assigned_dept') }} as assigned_department,
        cast(dispatched_at as timestamp) as dispatched_at,
        cast(replied_at as timestamp) as replied_at,
        cast(closed_at as timestamp) as closed_at,
        {{ clean_text('status') }} as ticket_status,
        {{ clean_text('satisfaction') }} as satisfaction,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as load_id
    from source
)

select * from renamed
