-- 房屋（户）：楼栋代码 + 4 位（楼层 + 房号），来自标准房屋。
select
    u.unit_code,
    u.building_code,
    b.grid_code,
    b.community_code,
    b.street_code,
    u.floor_no,
    u.room_no,
    u.area_sqm,
    u.usage_type
from {{ ref('stg_natres__std_unit') }} as u
inner join {{ ref('base_building') }} as b using (building_code)
