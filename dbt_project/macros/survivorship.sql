{#- Rank of a source for an attribute, from var('person_survivorship'): 1 = most trusted; unlisted = last. -#}
{% macro source_rank(attribute, source_column='source') -%}
    {%- set order = var('person_survivorship')[attribute] -%}
    case {{ source_column }}
    {%- for source in order %}
        when '{{ source }}' then {{ loop.index }}
    {%- endfor %}
        else {{ order | length + 1 }}
    end
{%- endmacro %}

{#- The surviving value of an attribute per person: the best-ranked source with a value, newest first. -#}
{% macro survivor(attribute, value) -%}
    arg_min({{ value }}, ({{ source_rank(attribute) }}, - epoch(coalesce(observed_at, timestamp '1900-01-01'))))
        filter (where {{ value }} is not null)
{%- endmacro %}

{#- The reference date for ages and deadlines: var('as_of_date') or today. -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date') %}date '{{ var("as_of_date") }}'{% else %}current_date{% endif -%}
{%- endmacro %}
