{#- A block code is its parent's code plus digits: rows where the child code does not start with the
    parent code break the hierarchy ("a code once issued never changes meaning"). -#}
{% test code_nests_in_parent(model, child, parent) %}
select {{ child }}, {{ parent }}
from {{ model }}
where not starts_with({{ child }}, {{ parent }})
   or not regexp_full_match({{ child }}, '[0-9]+')
{% endtest %}
