-- 社区：12 位统计用区划代码；名称去掉“居委会 / 居民委员会”后缀作为常用名。
select
    code as community_code,
    name as community_full_name,
    regexp_replace(name, '(居民委员会|居委会)$', '') as community_name,
    left(parent_code, 9) as street_code
from {{ ref('ref_divisions') }}
where level = 'community' and left(code, 6) = '{{ var("district_code") }}'
