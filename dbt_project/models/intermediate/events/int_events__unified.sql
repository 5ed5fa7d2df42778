-- 12345 热线工单与数字城管事件合为一张事件表：同一套生命周期字段（上报、派遣、处置、办结）。
with urban_steps as (
    select
        event_no,
        min(processed_at) filter (where step_name = '派遣') as dispatched_at,
        min(processed_at) filter (where step_name = '处置') as handled_at,
        min(processed_at) filter (where step_name = '结案') as closed_at
    from {{ ref('stg_urban__event_process') }}
    group by event_no
),

hotline as (
    select
        'hotline:' || ticket_no as event_id,
        'hotline' as source_system,
        ticket_no as source_key,
        ticket_category as category,
        event_address,
        street_name,
        cast(null as varchar) as grid_code,
        assigned_department,
        received_at as reported_at,
        dispatched_at,
        replied_at as handled_at,
        closed_at,
        ticket_status as source_status
    from {{ ref('stg_hotline__hotline_ticket') }}
),

urban as (
    select
        'urban:' || e.event_no,
        'urban',
        e.event_no,
        e.event_type,
        e.event_address,
        cast(null as varchar),
        e.grid_code,
        cast(null as varchar),
        e.reported_at,
        s.dispatched_at,
        s.handled_at,
        coalesce(e.closed_at, s.closed_at),
        e.case_status
    from {{ ref('stg_urban__city_event') }} as e
    left join urban_steps as s using (event_no)
)

select * from hotline
union all
select * from urban
