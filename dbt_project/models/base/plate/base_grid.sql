-- 网格：社区代码 + 3 位，来自网格管理中心；与社区的层级关系由代码前缀保证并由测试核对。
select
    grid_code,
    grid_name,
    community_code,
    left(community_code, 9) as street_code,
    area_sqm,
    grid_worker_name,
    grid_worker_phone
from {{ ref('stg_grid__grid_cell') }}
