{#-
    The tenant's headline KPIs over every call its database holds (the period the retention
    policy keeps): what the report's tiles and `ccr kpis` show. Formulas: macros/kpi_measures.sql.
-#}
with

received_calls as (

    select * from {{ ref('stg_lakehouse__calls') }}

),

calls as (

    select * from {{ ref('fct_calls') }}

),

verdicts as (

    select * from {{ ref('fct_criterion_verdicts') }}

),

received as (

    select
        tenant_id,
        {{ received_call_measures() }},
        min({{ to_utc_date('started_at') }}) as first_call_date,
        max({{ to_utc_date('started_at') }}) as last_call_date

    from received_calls
    group by tenant_id

),

scored as (

    select
        tenant_id,
        {{ scored_call_measures() }},
        max(inputs_updated_at) as last_input_at

    from calls
    group by tenant_id

),

-- every verdict a person reviewed, all criteria and scorecard versions pooled
calibration as (

    select
        tenant_id,
        {{ calibration_measures() }}

    from verdicts
    where human_verdict is not null
    group by tenant_id

),

final as (

    select

        ---------- grain
        received.tenant_id,

        ---------- period
        received.first_call_date,
        received.last_call_date,
        scored.last_input_at,

        ---------- volume and coverage
        received.calls_received,
        coalesce(scored.calls, 0) as calls,
        {{ coverage_rate('coalesce(scored.calls, 0)', 'received.calls_received') }} as coverage_rate,
        coalesce(scored.calls_with_final_score, 0) as calls_with_final_score,
        received.avg_handle_time_s,

        ---------- quality
        scored.avg_final_score,
        scored.final_pass_rate,
        scored.critical_fail_rate,
        scored.avg_ai_score,
        {{ review_share('scored.verdicts_sent_to_review', 'scored.verdicts') }} as review_share,
        coalesce(scored.verdicts, 0) as verdicts,
        coalesce(scored.verdicts_sent_to_review, 0) as verdicts_sent_to_review,
        coalesce(scored.verdicts_pending_review, 0) as verdicts_pending_review,
        coalesce(scored.verdicts_overridden, 0) as verdicts_overridden,
        coalesce(scored.disputes_open, 0) as disputes_open,

        ---------- AI against people (every reviewed verdict)
        coalesce(calibration.reviewed_verdicts, 0) as reviewed_verdicts,
        coalesce(calibration.agreeing_verdicts, 0) as agreeing_verdicts,
        calibration.agreement_rate,
        calibration.chance_agreement,
        calibration.cohens_kappa,

        ---------- conversation
        scored.avg_agent_talk_share,
        scored.avg_silence_share,
        scored.avg_dead_air_share,
        scored.avg_dead_air_s,
        scored.avg_overtalk_count,
        scored.avg_agent_interruptions,
        scored.avg_agent_words_per_minute,
        scored.avg_time_to_first_agent_word_s,
        scored.long_holds

    from received
    left join scored
        on received.tenant_id = scored.tenant_id
    left join calibration
        on received.tenant_id = calibration.tenant_id

)

select * from final
