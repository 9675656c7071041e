{#-
    Composite-key referential integrity: every non-null combination of
    `columns` in the model must exist as `to_columns` in the `to` relation
    (same order). Use where a single-column `relationships` test is too weak,
    e.g. (tenant_id, call_uid, model_id).

    The parent side is read only for the child's first key values: a child of
    a few thousand rows is checked without aggregating a parent of millions.
-#}
{% test relationships_composite(model, columns, to, to_columns) %}

{%- if columns | length != to_columns | length -%}
    {{ exceptions.raise_compiler_error("relationships_composite: columns and to_columns must have the same length") }}
{%- endif -%}

with

child as (

    select distinct {{ columns | join(', ') }}
    from {{ model }}
    where
        {%- for column in columns %}
        {{ 'and ' if not loop.first }}{{ column }} is not null
        {%- endfor %}

),

parent as (

    select distinct
        {%- for to_column in to_columns %}
        {{ to_column }} as parent_key_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ to }}
    where {{ to_columns[0] }} in (select {{ columns[0] }} from child)

),

final as (

    select child.*
    from child
    left join parent
        on
        {%- for column in columns %}
        {{ 'and ' if not loop.first }}child.{{ column }} = parent.parent_key_{{ loop.index }}
        {%- endfor %}
    where parent.parent_key_1 is null

)

select * from final

{% endtest %}
