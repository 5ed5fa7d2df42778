{{ config(unique_key='uscc') }}

with source as (
    select * from {{ published_source('tax', 'taxpayer') }}
),

renamed as (
    select
        {{ normalize_uscc('nsrsbh') }} as uscc,
        {{ clean_text('nsrmc') }} as taxpayer_name,
        {{ clean_text('scjydz') }} as operating_address,
        {{ clean_text('zgswjg') }} as tax_authority,
        {{ parse_date('djrq') }} as registered_on,
        {{ clean_text('nsrzt') }} as taxpayer_status_code,
        -- Codes as documented by the tax bureau's export; an unknown code gives NULL here and fails the test
        -- on taxpayer_status_code.
        case {{ clean_text('nsrzt') }}
            when '03' then '正常'
            when '05' then '注销'
            when '06' then '非正常户'
        end as taxpayer_status,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as load_id
    from source
)

select
    *,
    {{ uscc_is_valid('uscc') }} as uscc_valid
from renamed
