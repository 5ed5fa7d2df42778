-- 地址复核队列：匹配不上、有歧义或置信度不足的地址，交人工复核，绝不静默匹配到错误的房屋。
select
    address_text,
    any_value(a.method) as match_method,
    count(*) as mentions,
    list(distinct m.source order by m.source) as sources,
    any_value(a.street) as parsed_street,
    any_value(a.community) as parsed_community,
    any_value(a.road) as parsed_road,
    any_value(a.roadno) as parsed_roadno,
    any_value(a.estate) as parsed_estate,
    any_value(a.building) as parsed_building,
    any_value(a.room) as parsed_room
from {{ ref('int_address_mentions') }} as m
inner join {{ ref('int_address_matches') }} as a using (address_text)
where a.needs_review
group by address_text
