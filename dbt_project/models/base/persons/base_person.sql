-- 人员主线：每个真实的人一行，以校验过的身份证号为键；冲突的姓名、电话、住址按 dbt_project.yml 中
-- person_survivorship 的来源优先级取值。出生日期和性别取自身份证号本身。
with identity as (
    select * from {{ ref('int_person_identity') }}
),

survived as (
    select
        person_key,
        {{ survivor('person_name', 'person_name') }} as person_name,
        {{ survivor('phone', 'phone') }} as phone,
        {{ survivor('residence_address', 'address') }} as residence_address,
        count(distinct person_name) filter (where person_name is not null) > 1 as name_conflict,
        list(distinct source order by source) as sources,
        count(*) as mention_count,
        bool_and(id_resolution = 'unverified') as unverified
    from identity
    group by person_key
),

located as (
    select address_text, unit_code, building_code from {{ ref('int_address_matches') }}
)

select
    person_key,
    case when not unverified then person_key end as resident_id,
    person_name,
    case when not unverified then cast(strptime(substr(person_key, 7, 8), '%Y%m%d') as date) end as birth_date,
    case when not unverified then
        case when cast(substr(person_key, 17, 1) as integer) % 2 = 1 then '男' else '女' end
    end as sex,
    phone,
    residence_address,
    l.unit_code as residence_unit_code,
    l.building_code as residence_building_code,
    b.grid_code as residence_grid_code,
    sources,
    mention_count,
    name_conflict,
    unverified
from survived
left join located as l on l.address_text = survived.residence_address
left join {{ ref('base_building') }} as b on b.building_code = l.building_code
