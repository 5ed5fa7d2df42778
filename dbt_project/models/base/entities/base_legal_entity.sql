-- 法人主线：每个统一社会信用代码一行；登记信息关联经营信息（纳税、参保、经营地址），
-- 并给出虚假地址登记的风险标志、原因和综合风险分（权重见 dbt_project.yml 的 entity_risk）。
{%- set risk = var('entity_risk') %}
with registrations as (
    select * from {{ ref('stg_market__business_registration') }}
),

registered as (
    select record_key as uscc, unit_code, building_code, match_method
    from {{ ref('base_address_match') }}
    where source = 'market.business_registration'
),

operating as (
    select t.uscc, t.operating_address, m.building_code as operating_building_code
    from {{ ref('stg_tax__taxpayer') }} as t
    left join {{ ref('base_address_match') }} as m
        on m.source = 'tax.taxpayer' and m.record_key = t.uscc
),

unit_crowding as (
    select unit_code, count(*) as entities_at_unit
    from registered
    where unit_code is not null
    group by unit_code
),

flags as (
    select
        r.uscc,
        g.building_code is null and g.match_method <> 'outside_district' as address_not_in_plate,
        coalesce(c.entities_at_unit, 0) >= {{ risk.crowded_unit_min_entities }} as crowded_unit,
        o.uscc is not null and g.building_code is not null
            and coalesce(o.operating_building_code, '') <> g.building_code as operating_address_differs,
        r.registration_status = '存续' and a.declarations_12m = 0 and a.insured_headcount = 0 as no_activity
    from registrations as r
    left join registered as g using (uscc)
    left join unit_crowding as c using (unit_code)
    left join operating as o using (uscc)
    left join {{ ref('int_entity_activity') }} as a using (uscc)
)

select
    r.uscc,
    r.uscc_valid,
    r.entity_name,
    r.entity_type,
    r.legal_rep_name,
    r.registered_address,
    g.unit_code as registered_unit_code,
    g.building_code as registered_building_code,
    b.grid_code as registered_grid_code,
    o.operating_address,
    o.operating_building_code,
    c.entities_at_unit,
    r.registered_capital_wan,
    r.established_on,
    r.registration_status,
    a.declarations_12m,
    a.tax_12m,
    a.insured_headcount,
    a.reported_employees,
    f.address_not_in_plate,
    f.crowded_unit,
    f.operating_address_differs,
    f.no_activity,
    least(1.0,
        {{ risk.weights.address_not_in_plate }} * f.address_not_in_plate::integer
        + {{ risk.weights.crowded_unit }} * f.crowded_unit::integer
        + {{ risk.weights.operating_address_differs }} * f.operating_address_differs::integer
        + {{ risk.weights.no_activity }} * f.no_activity::integer
    ) as fake_address_risk,
    least(1.0,
        {{ risk.weights.address_not_in_plate }} * f.address_not_in_plate::integer
        + {{ risk.weights.crowded_unit }} * f.crowded_unit::integer
        + {{ risk.weights.operating_address_differs }} * f.operating_address_differs::integer
        + {{ risk.weights.no_activity }} * f.no_activity::integer
    ) >= {{ risk.flag_at }} as flagged,
    list_filter([
        case when f.address_not_in_plate then '登记地址不在标准地址库中' end,
        case when f.crowded_unit then '同一房屋登记 ' || c.entities_at_unit || ' 家主体' end,
        case when f.operating_address_differs then '税务经营地址与登记地址不一致' end,
        case when f.no_activity then '近 12 个月无纳税申报且无参保人员' end
    ], reason -> reason is not null) as risk_reasons
from registrations as r
left join registered as g using (uscc)
left join {{ ref('base_building') }} as b on b.building_code = g.building_code
left join operating as o using (uscc)
left join unit_crowding as c on c.unit_code = g.unit_code
left join {{ ref('int_entity_activity') }} as a using (uscc)
inner join flags as f using (uscc)
