{{ config(unique_key='row_no') }}

with source as (
    select * from {{ published_source('civil', 'elderly_alone') }}
),

-- Excel cells: numbers and dates are cast to text first, so the model does not depend on how the reader
-- typed a column.
renamed as (
    select
        {{ clean_text('cast("序号" as varchar)') }} as row_no,
        {{ clean_name('"姓名"') }} as person_name,
        {{ normalize_sex('"性别"') }} as sex,
        {{ normalize_resident_id('"身份证号码"') }} as resident_id,
        try_cast({{ clean_text('cast("年龄" as varchar)') }} as integer) as age,
        {{ clean_text('"居住地址"') }} as residence_address,
        {{ clean_name('"紧急联系人"') }} as emergency_contact_name,
        {{ normalize_phone('"紧急联系电话"') }} as emergency_contact_phone,
        {{ clean_text('"所属社区"') }} as community_name,
        _batch_id as load_id
    from source
)

select
    *,
    {{ resident_id_is_valid('resident_id') }} as resident_id_valid
from renamed
