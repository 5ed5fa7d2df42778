-- 区：底板的根。代码取统计用区划代码的前 6 位（GB/T 2260）。
select
    left(code, 6) as district_code,
    name as district_name,
    left(parent_code, 4) as city_code
from {{ ref('ref_divisions') }}
where level = 'district' and left(code, 6) = '{{ var("district_code") }}'
