{{ config(unique_key=['uscc', 'report_year']) }}

with source as (
    select * from {{ published_source('market', 'annual_report') }}
),

renamed as (
    select
        {{ normalize_uscc('uscc') }} as uscc,
        cast(report_year as integer) as report_year,
        cast(employees as integer) as employee_count,
        cast(revenue_wan as decimal(18, 2)) as revenue_wan,
        cast(reported_at as timestamp) as reported_at,
        _batch_id as load_id
    from source
)

select
    *,
    {{ uscc_is_valid('uscc') }} as uscc_valid
from renamed
