{{ config(unique_key='school_code') }}

with source as (
    select * from {{ published_source('education', 'school') }}
),

renamed as (
    select
        {{ clean_text('"学校代码"') }} as school_code,
        {{ clean_text('"学校名称"') }} as school_name,
        {{ clean_text('"办学类型"') }} as school_type,
        {{ clean_text('"地址"') }} as school_address,
        {{ clean_text('"所属街道"') }} as street_name,
        _batch_id as load_id
    from source
)

select * from renamed
