-- 块数据统计：按网格、社区、街道、区汇总人口、户、空置房、法人与风险法人、事件及办结率。
-- 每个指标先在网格一级算出，再用 GROUPING SETS 逐级汇总，各级口径一致。
with grids as (
    select grid_code, community_code, street_code, '{{ var("district_code") }}' as district_code
    from {{ ref('base_grid') }}
),

residents as (
    select
        residence_grid_code as grid_code,
        count(*) as residents,
        count(distinct residence_unit_code) as households
    from {{ ref('base_person') }}
    where not unverified and residence_grid_code is not null
    group by all
),

occupied_units as (
    select distinct residence_unit_code as unit_code from {{ ref('base_person') }} where residence_unit_code is not null
),

units as (
    select
        u.grid_code,
        count(*) as units,
        count(*) filter (where o.vacant_by_water and p.unit_code is null) as vacant_units
    from {{ ref('base_unit') }} as u
    left join {{ ref('int_unit_occupancy') }} as o using (unit_code)
    left join occupied_units as p using (unit_code)
    group by all
),

buildings as (
    select grid_code, count(*) as buildings from {{ ref('base_building') }} group by all
),

entities as (
    select registered_grid_code as grid_code, count(*) as entities, count(*) filter (where flagged) as flagged_entities
    from {{ ref('base_legal_entity') }}
    where registered_grid_code is not null
    group by all
),

events as (
    select
        grid_code,
        count(*) as events,
        count(*) filter (where is_closed) as events_closed,
        count(*) filter (where not is_closed) as events_open,
        count(*) filter (where is_overdue) as events_overdue,
        count(*) filter (where red_card) as events_red_card
    from {{ ref('base_event') }}
    where grid_code is not null
    group by all
),

per_grid as (
    select
        g.*,
        coalesce(b.buildings, 0) as buildings,
        coalesce(u.units, 0) as units,
        coalesce(r.residents, 0) as residents,
        coalesce(r.households, 0) as households,
        coalesce(u.vacant_units, 0) as vacant_units,
        coalesce(e.entities, 0) as entities,
        coalesce(e.flagged_entities, 0) as flagged_entities,
        coalesce(v.events, 0) as events,
        coalesce(v.events_closed, 0) as events_closed,
        coalesce(v.events_open, 0) as events_open,
        coalesce(v.events_overdue, 0) as events_overdue,
        coalesce(v.events_red_card, 0) as events_red_card
    from grids as g
    left join buildings as b using (grid_code)
    left join units as u using (grid_code)
    left join residents as r using (grid_code)
    left join entities as e using (grid_code)
    left join events as v using (grid_code)
),

rolled_up as (
    select
        case
            when grouping(grid_code) = 0 then 'grid'
            when grouping(community_code) = 0 then 'community'
            when grouping(street_code) = 0 then 'street'
            else 'district'
        end as level,
        coalesce(grid_code, community_code, street_code, district_code) as code,
        district_code, street_code, community_code, grid_code,
        cast(sum(buildings) as bigint) as buildings,
        cast(sum(units) as bigint) as units,
        cast(sum(residents) as bigint) as residents,
        cast(sum(households) as bigint) as households,
        cast(sum(vacant_units) as bigint) as vacant_units,
        cast(sum(entities) as bigint) as entities,
        cast(sum(flagged_entities) as bigint) as flagged_entities,
        cast(sum(events) as bigint) as events,
        cast(sum(events_closed) as bigint) as events_closed,
        cast(sum(events_open) as bigint) as events_open,
        cast(sum(events_overdue) as bigint) as events_overdue,
        cast(sum(events_red_card) as bigint) as events_red_card
    from per_grid
    group by grouping sets (
        (district_code, street_code, community_code, grid_code),
        (district_code, street_code, community_code),
        (district_code, street_code),
        (district_code)
    )
),

names as (
    select 'grid' as level, grid_code as code, grid_name as name from {{ ref('base_grid') }}
    union all
    select 'community', community_code, community_name from {{ ref('base_community') }}
    union all
    select 'street', street_code, street_name from {{ ref('base_street') }}
    union all
    select 'district', district_code, district_name from {{ ref('base_district') }}
)

select
    r.level,
    r.code,
    n.name,
    r.* exclude (level, code),
    round(r.events_closed / nullif(r.events, 0), 4) as closure_rate
from rolled_up as r
left join names as n using (level, code)
