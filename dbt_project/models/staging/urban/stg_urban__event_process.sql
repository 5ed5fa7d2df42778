{{ config(unique_key='process_step_id') }}

with source as (
    select * from {{ published_source('urban', 'event_process') }}
),

renamed as (
    select
        cast(lcid as bigint) as process_step_id,
        {{ clean_text('sjbh') }} as event_no,
        {{ clean_text('hjmc') }} as step_name,
        {{ parse_timestamp('czsj') }} as processed_at,
        {{ clean_name('czr') }} as operator_name,
        _batch_id as load_id
    from source
)

select * from renamed
