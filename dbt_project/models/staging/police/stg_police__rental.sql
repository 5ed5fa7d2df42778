{{ config(unique_key='rental_id') }}

with source as (
    select * from {{ published_source('police', 'rental') }}
),

renamed as (
    select
        {{ clean_text('czwbh') }} as rental_id,
        {{ clean_text('fwdz') }} as rental_address,
        {{ clean_name('fzxm') }} as landlord_name,
        {{ normalize_resident_id('fzsfzh') }} as landlord_resident_id,
        {{ clean_name('zkxm') }} as tenant_name,
        {{ normalize_resident_id('zksfzh') }} as tenant_resident_id,
        {{ parse_date('qzrq') }} as lease_started_on,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as load_id
    from source
)

select
    *,
    {{ resident_id_is_valid('landlord_resident_id') }} as landlord_resident_id_valid,
    {{ resident_id_is_valid('tenant_resident_id') }} as tenant_resident_id_valid
from renamed
