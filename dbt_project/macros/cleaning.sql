{#- Cleaning shared by every staging model: one definition of "clean" for the whole lake. -#}

{#- Full-width (全角) digits, letters and common punctuation to their ASCII forms. -#}
{% macro halfwidth(expr) -%}
    translate({{ expr }},
        '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ－／＃（）．：，　',
        '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-/#().:, ')
{%- endmacro %}

{#- Trimmed text with inner runs of spaces collapsed; empty becomes NULL. -#}
{% macro clean_text(expr) -%}
    nullif(trim(regexp_replace({{ halfwidth(expr) }}, '\s+', ' ', 'g')), '')
{%- endmacro %}

{#- A person's name: no spaces at all (departments type "张 三"); the separator of transliterated names
    (买买提·艾力) written as "." or "•" becomes the middle dot. -#}
{% macro clean_name(expr) -%}
    nullif(regexp_replace(regexp_replace({{ halfwidth(expr) }}, '\s+', '', 'g'), '[.•・]', '·', 'g'), '')
{%- endmacro %}

{#- Resident ID (GB 11643) as written, normalised: no spaces, half-width, upper-case X. -#}
{% macro normalize_resident_id(expr) -%}
    nullif(upper(regexp_replace({{ halfwidth(expr) }}, '\s+', '', 'g')), '')
{%- endmacro %}

{#- True when a normalised 18-digit resident ID has a real birth date and a correct MOD 11-2 check digit. -#}
{% macro resident_id_is_valid(expr) -%}
    coalesce(
        regexp_full_match({{ expr }}, '[1-9][0-9]{16}[0-9X]')
        and try_strptime(substr({{ expr }}, 7, 8), '%Y%m%d') is not null
        and {{ gb11643_check_digit(expr) }} = substr({{ expr }}, 18, 1),
        false)
{%- endmacro %}

{#- Mainland mobile number: digits only, +86 removed; NULL when it is not 1[3-9] plus 9 digits. -#}
{% macro normalize_phone(expr) -%}
    nullif(regexp_extract(regexp_replace({{ halfwidth(expr) }}, '[^0-9]', '', 'g'), '^(?:0{0,2}86)?(1[3-9][0-9]{9})$', 1), '')
{%- endmacro %}

{#- A date written any of the ways departments write it: 2025-03-06, 2025/3/6, 20250306, 2025.03.06,
    2025年3月6日, a timestamp, or only a month (2025.3, 2025-03, 2025/3, 2025年3月, 202503 → the first of
    the month). -#}
{% macro parse_date(expr) -%}
    cast(coalesce(
        try_strptime({{ clean_text(expr) }}, '%Y-%m-%d %H:%M:%S'),
        try_strptime({{ clean_text(expr) }}, '%Y-%m-%dT%H:%M:%S'),
        try_strptime({{ clean_text(expr) }}, '%Y-%m-%d'),
        try_strptime({{ clean_text(expr) }}, '%Y/%m/%d'),
        try_strptime({{ clean_text(expr) }}, '%Y%m%d'),
        try_strptime({{ clean_text(expr) }}, '%Y.%m.%d'),
        try_strptime({{ clean_text(expr) }}, '%Y年%m月%d日'),
        try_strptime({{ clean_text(expr) }}, '%Y.%m'),
        try_strptime({{ clean_text(expr) }}, '%Y-%m'),
        try_strptime({{ clean_text(expr) }}, '%Y/%m'),
        try_strptime({{ clean_text(expr) }}, '%Y年%m月'),
        try_strptime({{ clean_text(expr) }}, '%Y%m')
    ) as date)
{%- endmacro %}

{#- Month periods such as 202510 or 2025-10 as the first day of the month. -#}
{% macro parse_month(expr) -%}
    cast(coalesce(try_strptime({{ clean_text(expr) }}, '%Y%m'), try_strptime({{ clean_text(expr) }}, '%Y-%m'),
                  try_strptime({{ clean_text(expr) }}, '%Y.%m')) as date)
{%- endmacro %}

{#- The GB 11643 MOD 11-2 check character for the first 17 digits of a resident ID. -#}
{% macro gb11643_check_digit(first_17) -%}
    substr('10X98765432', (list_sum(list_transform(range(17),
        i -> try_cast(substr({{ first_17 }}, i + 1, 1) as integer) * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][i + 1]
    )) % 11)::integer + 1, 1)
{%- endmacro %}

{#- A date written in the one text format the registry declares for its column (the data element's format);
    NULL where a value is not in it. -#}
{% macro parse_date_as(expr, format) -%}
    cast(try_strptime({{ clean_text(expr) }}, '{{ format }}') as date)
{%- endmacro %}

{#- A date and time in the text format the registry declares for its column. -#}
{% macro parse_timestamp_as(expr, format) -%}
    cast(try_strptime({{ clean_text(expr) }}, '{{ format }}') as timestamp)
{%- endmacro %}
