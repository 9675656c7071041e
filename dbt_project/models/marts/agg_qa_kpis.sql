with

changed_periods as (

    select * from {{ ref('int_calls__changed_periods') }}

),

-- every day of those periods (a week can reach into a month no changed call is in)
changed_days as (

    select distinct
        tenant_id,
        cast(unnest(generate_series(period_start, period_end - 1, interval 1 day)) as date)
            as call_date

    from changed_periods

),

-- the calls of the periods this run recomputes (every period on a full build)
calls as (

    select fct_calls.*
    from {{ ref('fct_calls') }} as fct_calls
    inner join changed_days
        on fct_calls.tenant_id = changed_days.tenant_id
        and fct_calls.call_date = changed_days.call_date

),

received_calls as (

    select stg_calls.*
    from {{ ref('stg_lakehouse__calls') }} as stg_calls
    inner join changed_days
        on stg_calls.tenant_id = changed_days.tenant_id
        and {{ to_utc_date('stg_calls.started_at') }} = changed_days.call_date

),

received as (

    {{ qa_kpi_groups('received_calls', to_utc_date('started_at'), received_call_measures()) }}

),

scored as (

    {{ qa_kpi_groups('calls', 'call_date', scored_call_measures()) }}

),

final as (

    select

        ---------- grain
        coalesce(received.tenant_id, scored.tenant_id) as tenant_id,
        coalesce(received.dimension, scored.dimension) as dimension,
        coalesce(received.dimension_value, scored.dimension_value) as dimension_value,
        coalesce(received.period, scored.period) as period,
        coalesce(received.period_start, scored.period_start) as period_start,

        ---------- volume and coverage
        coalesce(received.calls_received, 0) as calls_received,
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
        scored.verdicts_pending_review,
        scored.verdicts_overridden,
        scored.disputes_open,

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
    full outer join scored
        on received.tenant_id = scored.tenant_id
        and received.dimension = scored.dimension
        and received.dimension_value = scored.dimension_value
        and received.period = scored.period
        and received.period_start = scored.period_start
    -- a week reaches into a month this run does not recompute: only the changed periods
    inner join changed_periods
        on coalesce(received.tenant_id, scored.tenant_id) = changed_periods.tenant_id
        and coalesce(received.period, scored.period) = changed_periods.period
        and coalesce(received.period_start, scored.period_start) = changed_periods.period_start

)

select * from final
