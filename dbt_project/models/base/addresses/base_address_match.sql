-- 地址匹配结果：各部门每个地址（记录 × 字段）对应的房屋、楼栋及其网格、社区、街道，附置信度与匹配方式。
select
    m.source,
    m.source_column,
    m.record_key,
    m.address_text,
    a.unit_code,
    a.building_code,
    b.grid_code,
    b.community_code,
    b.street_code,
    a.confidence as match_confidence,
    a.method as match_method,
    a.needs_review,
    a.building_code is not null as located
from {{ ref('int_address_mentions') }} as m
inner join {{ ref('int_address_matches') }} as a using (address_text)
left join {{ ref('base_building') }} as b using (building_code)
