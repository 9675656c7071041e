{#-
    The periods whose aggregates this run recomputes: every day, week (starting Monday) and month
    in which a call of int_calls__changed started, per tenant. An aggregate row depends only on
    the calls of its period, so the others stay as they are. After an erasure, also the days of
    the calls it changed or erased (an erased call is no longer in the lakehouse:
    erasure_changes() says which days it started on).
-#}
{%- set erased = erasure_changes() if execute else none -%}
with

calls as (

    select * from {{ ref('stg_lakehouse__calls') }}
    where {{ in_changed_calls() }}

),

call_days as (

    select distinct
        calls.tenant_id,
        {{ to_utc_date('calls.started_at') }} as call_date

    from calls
    {% if erased %}
    union
    select tenant_id, call_date from {{ erased }}
    {% endif %}

),

final as (

    select distinct
        call_days.tenant_id,
        periods.period,
        cast(date_trunc(periods.period, call_days.call_date) as date) as period_start,
        cast(
            date_trunc(periods.period, call_days.call_date) + ('1 ' || periods.period)::interval
            as date
        ) as period_end

    from call_days
    cross join (values ('day'), ('week'), ('month')) as periods(period)

)

select * from final
