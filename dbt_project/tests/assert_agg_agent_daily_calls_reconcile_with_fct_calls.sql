-- Every scored call is counted exactly once in agg_agent_daily:
-- per tenant and day, sum(calls) must equal the number of rows in fct_calls.
-- Returns the (tenant, day) pairs that do not reconcile.

with

fct_calls as (

    select * from {{ ref('fct_calls') }}

),

agg_agent_daily as (

    select * from {{ ref('agg_agent_daily') }}

),

calls_in_fact as (

    select tenant_id, call_date, count(*) as calls
    from fct_calls
    group by tenant_id, call_date

),

calls_in_agg as (

    select tenant_id, call_date, sum(calls) as calls
    from agg_agent_daily
    group by tenant_id, call_date

),

final as (

    select
        coalesce(calls_in_fact.tenant_id, calls_in_agg.tenant_id) as tenant_id,
        coalesce(calls_in_fact.call_date, calls_in_agg.call_date) as call_date,
        calls_in_fact.calls as calls_in_fct_calls,
        calls_in_agg.calls as calls_in_agg_agent_daily

    from calls_in_fact
    full outer join calls_in_agg
        on calls_in_fact.tenant_id = calls_in_agg.tenant_id
        and calls_in_fact.call_date = calls_in_agg.call_date
    where calls_in_fact.calls is distinct from calls_in_agg.calls

)

select * from final
