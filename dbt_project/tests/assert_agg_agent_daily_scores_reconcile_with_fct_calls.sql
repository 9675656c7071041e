-- Call-weighted KPIs in agg_agent_daily add back up to fct_calls:
-- per tenant, sum(avg_score * calls) = sum(score) and
-- sum(pass_rate * calls) = number of passed calls.
-- Returns the tenants that do not reconcile.

with

fct_calls as (

    select * from {{ ref('fct_calls') }}

),

agg_agent_daily as (

    select * from {{ ref('agg_agent_daily') }}

),

fact_totals as (

    select
        tenant_id,
        sum(score) as score_total,
        count(*) filter (where passed) as passed_calls
    from fct_calls
    group by tenant_id

),

agg_totals as (

    select
        tenant_id,
        sum(avg_score * calls) as score_total,
        sum(pass_rate * calls) as passed_calls
    from agg_agent_daily
    group by tenant_id

),

final as (

    select
        coalesce(fact_totals.tenant_id, agg_totals.tenant_id) as tenant_id,
        fact_totals.score_total as fct_score_total,
        agg_totals.score_total as agg_score_total,
        fact_totals.passed_calls as fct_passed_calls,
        agg_totals.passed_calls as agg_passed_calls

    from fact_totals
    full outer join agg_totals
        on fact_totals.tenant_id = agg_totals.tenant_id
    where fact_totals.tenant_id is null
        or agg_totals.tenant_id is null
        or abs(fact_totals.score_total - agg_totals.score_total) > 1e-6 * greatest(1, abs(fact_totals.score_total))
        or abs(fact_totals.passed_calls - agg_totals.passed_calls) > 1e-6

)

select * from final
