{{ config(unique_key='uscc') }}

with source as (
    select * from {{ published_source('market', 'business_registration') }}
),

renamed as (
    select
        {{ normalize_uscc('uscc') }} as uscc,
        {{ clean_text('entity_name') }} as entity_name,
        {{ clean_text('entity_type') }} as entity_type,
        {{ clean_name('legal_rep_name') }} as legal_rep_name,
        {{ normalize_resident_id('legal_rep_id') }} as legal_rep_resident_id,
        {{ clean_text('registered_address') }} as registered_address,
        cast(registered_capital as decimal(18, 2)) as registered_capital_wan,
        cast(established_date as date) as established_on,
        {{ clean_text('status') }} as registration_status,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as load_id
    from source
)

select
    *,
    {{ uscc_is_valid('uscc') }} as uscc_valid,
    {{ resident_id_is_valid('legal_rep_resident_id') }} as legal_rep_resident_id_valid
from renamed
