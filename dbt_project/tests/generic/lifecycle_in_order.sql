{#- Lifecycle timestamps never run backwards: each present step is at or after every earlier present step. -#}
{% test lifecycle_in_order(model, steps) %}
select *
from {{ model }}
where false
{%- for later in steps[1:] %}
  {%- set later_index = loop.index %}
  {%- for earlier in steps[:later_index] %}
    or {{ later }} < {{ earlier }}
  {%- endfor %}
{%- endfor %}
{% endtest %}
