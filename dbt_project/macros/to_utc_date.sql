{#-
    Calendar date of a `timestamp with time zone` in UTC.

    A plain `cast(ts as date)` uses the DuckDB session TimeZone (the machine's
    local zone by default), so a call at 23:30 UTC would land on the next day on
    a machine in Auckland. Converting to a UTC wall-clock timestamp first makes
    the result independent of where dbt runs.
-#}
{% macro to_utc_date(column_name) -%}
    cast(timezone('UTC', {{ column_name }}) as date)
{%- endmacro %}
