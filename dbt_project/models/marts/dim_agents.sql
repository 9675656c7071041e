with

calls as (

    select * from {{ ref('fct_calls') }}

),

final as (

    select

        ---------- ids
        tenant_id,
        agent_id,

        ---------- attributes (agent ids are the tenant's pseudonymous ids: no names)
        -- team and campaign of the agent's latest scored call (ties: the highest call_uid)
        arg_max(team, (started_at, call_uid)) as team,
        arg_max(campaign, (started_at, call_uid)) as campaign,
        count(distinct team) as teams,
        min(call_date) as first_call_date,
        max(call_date) as last_call_date

    from calls
    group by tenant_id, agent_id

)

select * from final
