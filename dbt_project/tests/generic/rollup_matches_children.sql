{#- In a hierarchy rolled up with a ``level`` column, each parent's measures equal the sum over its children:
    district = Σ streets, street = Σ communities, community = Σ grids. -#}
{% test rollup_matches_children(model, measures) %}
{%- set levels = [("district", "street", "district_code"), ("street", "community", "street_code"),
                  ("community", "grid", "community_code")] %}
{%- for parent, child, key in levels %}
select '{{ parent }}' as parent_level, p.code
from {{ model }} as p
join (
    select {{ key }}, {% for m in measures %}sum({{ m }}) as {{ m }}{% if not loop.last %}, {% endif %}{% endfor %}
    from {{ model }} where level = '{{ child }}' group by {{ key }}
) as c on c.{{ key }} = p.{{ key }}
where p.level = '{{ parent }}'
  and ({% for m in measures %}p.{{ m }} <> c.{{ m }}{% if not loop.last %} or {% endif %}{% endfor %})
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% endtest %}
