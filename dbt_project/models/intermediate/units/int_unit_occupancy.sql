-- 房屋是否有人居住：近 6 个月的月均用水量低于阈值即判为空置。水表定位优先用安装地址匹配结果，
-- 其次用水务档案里的房屋代码（档案代码约有一成五指向错误楼栋，故不作首选）。
with meters as (
    select
        w.meter_no,
        coalesce(m.unit_code, case when u.unit_code is not null then w.unit_code end) as unit_code
    from {{ ref('stg_water__water_meter') }} as w
    left join {{ ref('base_address_match') }} as m
        on m.source = 'water.water_meter' and m.record_key = w.meter_no
    left join {{ ref('base_unit') }} as u on u.unit_code = w.unit_code
),

recent as (
    select meter_no, avg(usage_m3) as avg_monthly_m3, count(*) as months_read
    from {{ ref('stg_water__meter_reading') }}
    where reading_month > (select max(reading_month) from {{ ref('stg_water__meter_reading') }}) - interval 6 month
    group by meter_no
)

select
    m.unit_code,
    sum(r.avg_monthly_m3) as avg_monthly_m3,
    max(r.months_read) as months_read,
    sum(r.avg_monthly_m3) < {{ var('vacant_below_m3_per_month') }} as vacant_by_water
from meters as m
inner join recent as r using (meter_no)
where m.unit_code is not null
group by m.unit_code
