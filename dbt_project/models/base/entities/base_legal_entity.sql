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

mentioned as (
    select uscc, list(distinct source order by source) as mentioned_in
    from {{ ref('int_entity_mentions') }}
    group by uscc
),

unit_crowding as (
    select unit_code, count(*) as entities_at_unit
    from registered
    where unit_code is not null
    group by unit_code
),

joined as (
    select
        r.*,
        g.unit_code as registered_unit_code,
        g.building_code as registered_building_code,
        g.match_method as registered_match_method,
        b.grid_code as registered_grid_code,
        o.uscc is not null as has_taxpayer_record,
        o.operating_address,
        o.operating_building_code,
        c.entities_at_unit,
        a.declarations_12m,
        a.tax_12m,
        a.insured_headcount,
        a.reported_employees,
        coalesce(n.mentioned_in, []) as mentioned_in
    from registrations as r
    left join registered as g using (uscc)
    left join {{ ref('base_building') }} as b on b.building_code = g.building_code
    left join operating as o using (uscc)
    left join unit_crowding as c on c.unit_code = g.unit_code
    left join {{ ref('int_entity_activity') }} as a using (uscc)
    left join mentioned as n using (uscc)
),

flagged as (
    select
        *,
        registered_building_code is null and registered_match_method <> 'outside_district' as address_not_in_plate,
        coalesce(entities_at_unit, 0) >= {{ risk.crowded_unit_min_entities }} as crowded_unit,
        has_taxpayer_record and registered_building_code is not null
            and coalesce(operating_building_code, '') <> registered_building_code as operating_address_differs,
        registration_status = '存续' and declarations_12m = 0 and insured_headcount = 0 as no_activity
    from joined
),

scored as (
    select
        *,
        least(1.0,
            {{ risk.weights.address_not_in_plate }} * address_not_in_plate::integer
            + {{ risk.weights.crowded_unit }} * crowded_unit::integer
            + {{ risk.weights.operating_address_differs }} * operating_address_differs::integer
            + {{ risk.weights.no_activity }} * no_activity::integer
        ) as fake_address_risk
    from flagged
)

select
    uscc,
    uscc_valid,
    entity_name,
    entity_type,
    legal_rep_name,
    registered_address,
    registered_unit_code,
    registered_building_code,
    registered_grid_code,
    operating_address,
    operating_building_code,
    entities_at_unit,
    registered_capital_wan,
    established_on,
    registration_status,
    declarations_12m,
    tax_12m,
    insured_headcount,
    reported_employees,
    mentioned_in,
    address_not_in_plate,
    crowded_unit,
    operating_address_differs,
    no_activity,
    fake_address_risk,
    fake_address_risk >= {{ risk.flag_at }} as flagged,
    list_filter([
        case when address_not_in_plate then '登记地址不在标准地址库中' end,
        case when crowded_unit then '同一房屋登记 ' || entities_at_unit || ' 家主体' end,
        case when operating_address_differs then '税务经营地址与登记地址不一致' end,
        case when no_activity then '近 12 个月无纳税申报且无参保人员' end
    ], reason -> reason is not null) as risk_reasons
from scored
