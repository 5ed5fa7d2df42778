-- 人员标签（重点人群）：每人每个标签一行，规则写在这里、说明写在 YAML。
with persons as (
    select person_key, birth_date, date_diff('year', birth_date, {{ as_of_date() }})
        - case when strftime(birth_date, '%m%d') > strftime({{ as_of_date() }}, '%m%d') then 1 else 0 end as age
    from {{ ref('base_person') }}
),

mentions as (
    select distinct person_key, source, role from {{ ref('int_person_identity') }}
)

select person_key, 'elderly_80_plus' as tag, '80 岁及以上老人' as tag_title, 'age >= 80（由身份证出生日期计算）' as rule
from persons where age >= 80
union all
select person_key, 'minor', '未成年人', 'age < 18' from persons where age < 18
union all
select distinct person_key, 'elderly_living_alone', '独居老人', '民政独居老人名册在册'
from mentions where source = 'civil.elderly_alone'
union all
select distinct person_key, 'subsidy_recipient', '救助对象', '民政救助对象名册在册'
from mentions where source = 'civil.subsidy_recipient'
union all
select distinct person_key, 'rental_tenant', '出租屋租客', '公安出租屋登记的承租人'
from mentions where source = 'police.rental' and role = '租客'
union all
select distinct person_key, 'disabled', '残疾人', '残联残疾人登记在册（持证）'
from mentions where source = 'disability.disabled_person'
