{{ config(unique_key='disability_card_no') }}

with source as (
    select * from {{ published_source('disability', 'disabled_person') }}
),

renamed as (
    select
        {{ clean_text('"残疾证号"') }} as disability_card_no,
        {{ clean_name('"姓名"') }} as person_name,
        {{ normalize_resident_id('"身份证号"') }} as resident_id,
        {{ clean_text('"残疾类别"') }} as disability_category,
        {{ clean_text('"残疾等级"') }} as disability_level,
        {{ parse_date('"发证日期"') }} as issued_on,
        {{ clean_text('"居住地址"') }} as residence_address,
        {{ normalize_phone('"联系电话"') }} as phone,
        {{ normalize_phone('"监护人电话"') }} as guardian_phone,
        _batch_id as load_id
    from source
)

select
    *,
    {{ resident_id_is_valid('resident_id') }} as resident_id_valid
from renamed
