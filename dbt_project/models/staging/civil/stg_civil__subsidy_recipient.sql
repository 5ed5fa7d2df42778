{{ config(unique_key='row_no') }}

with source as (
    select * from {{ published_source('civil', 'subsidy_recipient') }}
),

-- Excel cells: numbers and dates are cast to text first, so the model does not depend on how the reader
-- typed a column.
renamed as (
    select
        {{ clean_text('cast("序号" as varchar)') }} as row_no,
        {{ clean_name('"姓名"') }} as person_name,
        {{ normalize_resident_id('"身份证号码"') }} as resident_id,
        {{ clean_text('"救助类别"') }} as assistance_category,
        {{ clean_text('"家庭住址"') }} as home_address,
        {{ normalize_phone('"联系电话"') }} as phone,
        {{ parse_amount('cast("月救助金额(元)" as varchar)') }} as monthly_amount_yuan,
        {{ parse_date('cast("起始日期" as varchar)') }} as started_on,
        _batch_id as load_id
    from source
)

select
    *,
    {{ resident_id_is_valid('resident_id') }} as resident_id_valid
from renamed
