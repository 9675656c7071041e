with

changed_days as (

    select * from {{ ref('int_calls__changed_periods') }}
    where period = 'day'

),

-- the calls of the days this run recomputes (every day on a full build)
calls as (

    select fct_calls.*
    from {{ ref('fct_calls') }} as fct_calls
    inner join changed_days
        on fct_calls.tenant_id = changed_days.tenant_id
        and fct_calls.call_date = changed_days.period_start

),

-- the agent's team that day: the team on their last call of the day
-- (ties broken by call_uid, so the choice is deterministic)
team_of_day as (

    select
        tenant_id,
        agent_id,
        call_date,
        team

    from calls
    qualify row_number() over (
        partition by tenant_id, agent_id, call_date
        order by started_at desc, call_uid desc
    ) = 1

),

daily_kpis as (

    select
        tenant_id,
        agent_id,
        call_date,

        count(*) as calls,
        {{ exact_avg('score') }} as avg_score,
        avg(cast(passed as double)) as pass_rate,
        {{ exact_avg('agent_talk_share') }} as avg_agent_talk_share,
        {{ exact_avg('silence_s') }} as avg_silence_s

    from calls
    group by tenant_id, agent_id, call_date

),

final as (

    select

        ---------- grain
        daily_kpis.tenant_id,
        daily_kpis.agent_id,
        team_of_day.team,
        daily_kpis.call_date,

        ---------- KPIs
        daily_kpis.calls,
        daily_kpis.avg_score,
        daily_kpis.pass_rate,
        daily_kpis.avg_agent_talk_share,
        daily_kpis.avg_silence_s

    from daily_kpis
    inner join team_of_day
        on daily_kpis.tenant_id = team_of_day.tenant_id
        and daily_kpis.agent_id = team_of_day.agent_id
        and daily_kpis.call_date = team_of_day.call_date

)

select * from final
