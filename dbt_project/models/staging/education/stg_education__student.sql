{{ config(unique_key='student_no') }}

with source as (
    select * from {{ published_source('education', 'student') }}
),

renamed as (
    select
        {{ clean_text('"学籍号"') }} as student_no,
        {{ clean_name('"姓名"') }} as person_name,
        {{ normalize_resident_id('"身份证号"') }} as resident_id,
        {{ clean_text('"学校代码"') }} as school_code,
        {{ clean_text('"年级"') }} as grade,
        {{ clean_text('"家庭住址"') }} as home_address,
        {{ clean_name('"监护人姓名"') }} as guardian_name,
        {{ normalize_resident_id('"监护人身份证号"') }} as guardian_resident_id,
        {{ normalize_phone('"监护人电话"') }} as guardian_phone,
        {{ parse_date('"入学日期"') }} as enrolled_on,
        _batch_id as load_id
    from source
)

select
    *,
    {{ resident_id_is_valid('resident_id') }} as resident_id_valid,
    {{ resident_id_is_valid('guardian_resident_id') }} as guardian_resident_id_valid
from renamed
