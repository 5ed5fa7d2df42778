-- 街道：统计用区划代码前 9 位。
select
    left(code, 9) as street_code,
    name as street_name,
    left(parent_code, 6) as district_code
from {{ ref('ref_divisions') }}
where level = 'street' and left(code, 6) = '{{ var("district_code") }}'
