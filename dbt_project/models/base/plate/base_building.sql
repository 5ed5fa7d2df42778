-- 楼栋：网格代码 + 4 位，来自规划和自然资源局的标准楼栋；带道路、门牌号、小区名及别名。
with estates as (
    select estate_id, estate_name, alias_names from {{ ref('stg_natres__std_estate') }}
)

select
    b.building_code,
    b.building_name,
    b.grid_code,
    b.community_code,
    left(b.community_code, 9) as street_code,
    b.road_name,
    b.door_no,
    b.estate_id,
    e.estate_name,
    coalesce(e.alias_names, []) as estate_aliases,
    b.standard_address,
    b.floor_count,
    b.usage_type,
    b.built_year,
    b.longitude,
    b.latitude
from {{ ref('stg_natres__std_building') }} as b
left join estates as e using (estate_id)
