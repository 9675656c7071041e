with

calls as (

    select * from {{ ref('fct_calls') }}

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
        avg(score) as avg_score,
        avg(cast(passed as double)) as pass_rate,
        avg(agent_talk_share) as avg_agent_talk_share,
        avg(silence_s) as avg_silence_s

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
