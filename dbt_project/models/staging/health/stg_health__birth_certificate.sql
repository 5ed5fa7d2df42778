{{ config(unique_key='birth_certificate_no') }}

with source as (
    select * from {{ published_source('health', 'birth_certificate') }}
),

renamed as (
    select
        {{ clean_text('"出生证编号"') }} as birth_certificate_no,
        {{ clean_name('"新生儿姓名"') }} as newborn_name,
        {{ normalize_sex('"性别"') }} as sex,
        {{ parse_date('"出生日期"') }} as birth_date,
        {{ clean_name('"母亲姓名"') }} as mother_name,
        {{ normalize_resident_id('"母亲身份证号"') }} as mother_resident_id,
        {{ normalize_resident_id('"父亲身份证号"') }} as father_resident_id,
        {{ clean_text('"家庭住址"') }} as home_address,
        {{ parse_date('"签发日期"') }} as issued_on,
        _batch_id as load_id
    from source
)

select
    *,
    {{ resident_id_is_valid('mother_resident_id') }} as mother_resident_id_valid,
    {{ resident_id_is_valid('father_resident_id') }} as father_resident_id_valid
from renamed
