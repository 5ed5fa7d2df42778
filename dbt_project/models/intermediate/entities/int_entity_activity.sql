-- 法人经营活动：每个统一社会信用代码近 12 个月的纳税申报、当前参保人数和最近一次年报的从业人数。
-- “无经营活动”等风险标志在 base_legal_entity 中由这些数字判定。
with window_start as (
    select cast(date_trunc('month', {{ as_of_date() }}) - interval 12 month as date) as since
),

declarations as (
    select
        uscc,
        count(*) filter (where tax_period_month >= (select since from window_start)) as declarations_12m,
        coalesce(sum(tax_payable) filter (where tax_period_month >= (select since from window_start)), 0) as tax_12m,
        max(tax_period_month) filter (where tax_payable > 0) as last_taxed_month
    from {{ ref('stg_tax__tax_declaration') }}
    group by uscc
),

insured as (
    select
        uscc,
        count(distinct resident_id) filter (
            where coverage_end_month is null or coverage_end_month >= date_trunc('month', {{ as_of_date() }})
        ) as insured_headcount
    from {{ ref('stg_hrss__social_insurance') }}
    group by uscc
),

reports as (
    select uscc, max(report_year) as last_report_year, arg_max(employee_count, report_year) as reported_employees
    from {{ ref('stg_market__annual_report') }}
    group by uscc
)

select
    r.uscc,
    coalesce(d.declarations_12m, 0) as declarations_12m,
    coalesce(d.tax_12m, 0) as tax_12m,
    d.last_taxed_month,
    coalesce(i.insured_headcount, 0) as insured_headcount,
    a.last_report_year,
    a.reported_employees
from {{ ref('stg_market__business_registration') }} as r
left join declarations as d using (uscc)
left join insured as i using (uscc)
left join reports as a using (uscc)
