{#-
    Incremental facts keyed by call. Each run rebuilds the rows of the calls in
    int_calls__changed (every call on a full build, the changed ones otherwise) and keeps the
    others: a daily run does not recompute history.
-#}

{#-
    Pre-hook of the incremental facts: on an incremental run, delete every row of the calls being
    rebuilt. delete+insert alone deletes only the calls that come back with rows, so a call that
    now has none (say, its latest transcript is not scored yet) would keep its old ones, and the
    table would differ from a full refresh.
-#}
{% macro delete_rows_of_changed_calls() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where call_uid in (select call_uid from {{ ref('int_calls__changed') }})
    {%- endif -%}
{%- endmacro %}


{#- Keep only the rows of the calls this run rebuilds (an import CTE's where clause). -#}
{% macro in_changed_calls(relation_alias=none) -%}
    {{ (relation_alias ~ '.') if relation_alias }}call_uid in (
        select call_uid from {{ ref('int_calls__changed') }}
    )
{%- endmacro %}


{#-
    Pre-hook of the incremental aggregates: on an incremental run, delete their rows of the
    periods being recomputed (int_calls__changed_periods). `period` names the period of the
    rows ('day'), or `period_column` the column that holds it; `date_column` their first day.
-#}
{% macro delete_rows_of_changed_periods(date_column, period='day', period_column=none) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as target
        using {{ ref('int_calls__changed_periods') }} as changed
        where target.tenant_id = changed.tenant_id
            and changed.period = {{ ('target.' ~ period_column) if period_column else "'" ~ period ~ "'" }}
            and target.{{ date_column }} = changed.period_start
    {%- endif -%}
{%- endmacro %}


{#-
    Pre-hook of int_calls__changed_log: keep the calls of the last var kpi_changed_log_builds
    builds (a published file further behind is written anew).
-#}
{% macro forget_old_builds() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where build_seq <= (select max(build_seq) from {{ this }}) - {{ var('kpi_changed_log_builds') }}
    {%- endif -%}
{%- endmacro %}
