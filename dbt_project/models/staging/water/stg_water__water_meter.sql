{{ config(unique_key='meter_no') }}

with source as (
    select * from {{ published_source('water', 'water_meter') }}
),

renamed as (
    select
        {{ clean_text('meter_no') }} as meter_no,
        {{ clean_name('account_name') }} as account_name,
        {{ clean_text('install_address') }} as install_address,
        {{ clean_text('unit_code') }} as unit_code,
        cast(install_date as date) as installed_on,
        {{ clean_text('meter_type') }} as meter_type,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as load_id
    from source
)

select * from renamed
