{#-
    Fails for rows where `column_name` lies outside [min_value, max_value]
    (either bound optional; `inclusive: false` makes both bounds strict).
    Nulls are not checked: combine with not_null where needed.
-#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error("accepted_range needs min_value and/or max_value") }}
{%- endif -%}

{%- set lower_op = '>=' if inclusive else '>' -%}
{%- set upper_op = '<=' if inclusive else '<' -%}

with

validation as (

    select {{ column_name }} as value_field
    from {{ model }}
    where {{ column_name }} is not null

),

final as (

    select *
    from validation
    where not (
        true
        {%- if min_value is not none %}
        and value_field {{ lower_op }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        and value_field {{ upper_op }} {{ max_value }}
        {%- endif %}
    )

)

select * from final

{% endtest %}
