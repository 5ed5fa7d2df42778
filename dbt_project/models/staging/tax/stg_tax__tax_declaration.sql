{{ config(unique_key='declaration_id') }}

with source as (
    select * from {{ published_source('tax', 'tax_declaration') }}
),

renamed as (
    select
        {{ clean_text('sbxh') }} as declaration_id,
        {{ normalize_uscc('nsrsbh') }} as uscc,
        {{ parse_month('sssq') }} as tax_period_month,
        {{ clean_text('zsxm') }} as tax_item,
        cast(ynse as decimal(18, 2)) as tax_payable,
        cast(sbrq as timestamp) as declared_at,
        _batch_id as load_id
    from source
)

select
    *,
    {{ uscc_is_valid('uscc') }} as uscc_valid
from renamed
