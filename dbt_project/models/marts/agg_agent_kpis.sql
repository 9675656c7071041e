{#-
    Each agent's KPIs over every scored call the database holds, and the agent's place in the
    tenant's ranking by mean QA score (the final score after human review): what the report's
    agent ranking and `ccr kpis` show. Formulas: macros/kpi_measures.sql.
-#}
with

calls as (

    select * from {{ ref('fct_calls') }}

),

per_agent as (

    select
        tenant_id,
        agent_id,
        {{ scored_call_measures() }}

    from calls
    group by tenant_id, agent_id

),

ranked as (

    select
        *,
        -- 1 = the highest mean QA score; ties by agent id; agents without a QA score unranked
        case
            when avg_final_score is not null then row_number() over (
                partition by tenant_id, avg_final_score is null
                order by avg_final_score desc, agent_id
            )
        end as score_rank,
        count(avg_final_score) over (partition by tenant_id) as agents_ranked

    from per_agent

),

final as (

    select

        ---------- grain
        tenant_id,
        agent_id,

        ---------- ranking
        score_rank,
        agents_ranked,

        ---------- volume
        calls,
        calls_with_final_score,

        ---------- quality
        avg_final_score,
        final_pass_rate,
        critical_fail_rate,
        avg_ai_score,
        {{ review_share('verdicts_sent_to_review', 'verdicts') }} as review_share,
        verdicts_pending_review,
        verdicts_overridden,
        disputes_open,

        ---------- conversation
        avg_agent_talk_share,
        avg_silence_share

    from ranked

)

select * from final
