{#-
    Mean of a double column, the same to the last bit whatever order the threads add the rows
    in: summed as a decimal (exact), divided once. A plain avg() of doubles depends on that
    order, so a full refresh differed from an incremental build in the 15th digit and a re-run
    changed published values. 9 decimals are kept from each value.
-#}
{% macro exact_avg(expression, scale=9) -%}
    avg(cast({{ expression }} as decimal(18, {{ scale }})))
{%- endmacro %}
