{#- Helpers used by the staging models only, next to the shared cleaning macros in cleaning.sql. -#}

{#- Unified social credit code (GB 32100) as written, normalised: no spaces, half-width, upper case. -#}
{% macro normalize_uscc(expr) -%}
    nullif(upper(regexp_replace({{ halfwidth(expr) }}, '\s+', '', 'g')), '')
{%- endmacro %}

{#- True when a normalised USCC is 18 characters of the GB 32100 alphabet (no I, O, S, V, Z) and its
    last character is the MOD 31 check: alphabet[(31 - sum(value * weight) % 31) % 31]. -#}
{% macro uscc_is_valid(expr) -%}
    coalesce(
        regexp_full_match({{ expr }}, '[0-9A-HJ-NPQRTUWXY]{18}')
        and substr('0123456789ABCDEFGHJKLMNPQRTUWXY', ((31 - list_sum(list_transform(range(17),
                i -> (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr({{ expr }}, i + 1, 1)) - 1)
                     * [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28][i + 1]
            )) % 31) % 31)::integer + 1, 1) = substr({{ expr }}, 18, 1),
        false)
{%- endmacro %}

{#- Sex as 男/女 from the codes departments use (GB/T 2261.1: 1 男, 2 女); any other value is kept
    as written so the accepted_values test reports it. -#}
{% macro normalize_sex(expr) -%}
    case {{ clean_text(expr) }}
        when '1' then '男' when '男' then '男' when '男性' then '男'
        when '2' then '女' when '女' then '女' when '女性' then '女'
        else {{ clean_text(expr) }}
    end
{%- endmacro %}

{#- A date and time written as text (2025-03-06 14:05:09, 2025/3/6 14:05, 2025-03-06T14:05:09);
    NULL when it is empty or not a time. -#}
{% macro parse_timestamp(expr) -%}
    cast(coalesce(
        try_strptime({{ clean_text(expr) }}, '%Y-%m-%d %H:%M:%S'),
        try_strptime({{ clean_text(expr) }}, '%Y-%m-%dT%H:%M:%S'),
        try_strptime({{ clean_text(expr) }}, '%Y/%m/%d %H:%M:%S'),
        try_strptime({{ clean_text(expr) }}, '%Y-%m-%d %H:%M'),
        try_strptime({{ clean_text(expr) }}, '%Y/%m/%d %H:%M')
    ) as timestamp)
{%- endmacro %}

{#- An amount of money written as text (1365, 1,365.00, ¥1365, 1365元) as decimal(18,2); NULL when it is
    not a number. -#}
{% macro parse_amount(expr) -%}
    try_cast(regexp_replace({{ clean_text(expr) }}, '[,，¥￥元\s]', '', 'g') as decimal(18, 2))
{%- endmacro %}
