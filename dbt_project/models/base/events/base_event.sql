-- 事件主线：统一的事件及其生命周期、办理时限、是否超期（红牌）。
with events as (
    select * from {{ ref('int_events__unified') }}
),

limits as (
    select * from {{ ref('ref_event_time_limits') }}
),

located as (
    select source, record_key, building_code, grid_code
    from {{ ref('base_address_match') }}
    where source in ('hotline.hotline_ticket', 'urban.city_event')
)

select
    e.event_id,
    e.source_system,
    e.source_key,
    e.category,
    e.event_address,
    e.street_name,
    -- The reporting grid of a city-management event is authoritative; hotline events are placed by address.
    coalesce(e.grid_code, a.grid_code) as grid_code,
    a.building_code,
    coalesce(e.assigned_department, l.responsible_department) as assigned_department,
    e.reported_at,
    e.dispatched_at,
    e.handled_at,
    e.closed_at,
    e.closed_at is not null as is_closed,
    l.time_limit_hours,
    e.reported_at + to_hours(l.time_limit_hours) as due_at,
    coalesce(e.closed_at, cast({{ as_of_date() }} as timestamp)) > e.reported_at + to_hours(l.time_limit_hours)
        as is_overdue,
    e.closed_at is null
        and cast({{ as_of_date() }} as timestamp) > e.reported_at + to_hours(l.time_limit_hours) as red_card,
    round(date_diff('minute', e.reported_at, e.closed_at) / 60.0, 1) as hours_to_close,
    e.source_status
from events as e
left join limits as l on l.source_system = e.source_system and l.category = e.category
left join located as a
    on a.source = case e.source_system when 'hotline' then 'hotline.hotline_ticket' else 'urban.city_event' end
    and a.record_key = e.source_key
