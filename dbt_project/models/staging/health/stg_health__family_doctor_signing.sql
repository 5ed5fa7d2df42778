{{ config(unique_key='signing_id') }}

with source as (
    select * from {{ published_source('health', 'family_doctor_signing') }}
),

renamed as (
    select
        {{ clean_text('"签约编号"') }} as signing_id,
        {{ clean_name('"姓名"') }} as person_name,
        {{ normalize_resident_id('"身份证号"') }} as resident_id,
        {{ normalize_phone('"联系电话"') }} as phone,
        {{ clean_text('"居住地址"') }} as residence_address,
        {{ parse_date('"签约日期"') }} as signed_on,
        {{ clean_text('"社康中心"') }} as health_center_name,
        {{ clean_text('"签约状态"') }} as signing_status,
        _batch_id as load_id
    from source
)

select
    *,
    {{ resident_id_is_valid('resident_id') }} as resident_id_valid
from renamed
