with

changed_calls as (

    select * from {{ ref('int_calls__changed') }}

),

calls as (

    select * from {{ ref('stg_lakehouse__calls') }}
    where {{ in_changed_calls() }}

),

selected_scores as (

    select * from {{ ref('int_call_scores__selected_version') }}

),

call_metrics as (

    select * from {{ ref('stg_lakehouse__call_metrics') }}
    where {{ in_changed_calls() }}

),

final_scores as (

    select * from {{ ref('int_call_scores__final') }}

),

scored_calls as (

    select
        calls.*,
        selected_scores.scorecard_id,
        selected_scores.scorecard_version,
        selected_scores.model_id,
        selected_scores.score,
        selected_scores.passed,
        selected_scores.criteria_met,
        selected_scores.criteria_total,
        selected_scores.criteria_na,
        selected_scores.critical_failed,
        selected_scores.needs_review,
        selected_scores.language as scored_language

    from calls
    -- only calls that have been scored
    inner join selected_scores
        on calls.tenant_id = selected_scores.tenant_id
        and calls.call_uid = selected_scores.call_uid

),

final as (

    select

        ---------- ids
        scored_calls.call_uid,
        scored_calls.tenant_id,
        scored_calls.call_id,
        scored_calls.agent_id,

        ---------- call attributes
        scored_calls.team,
        scored_calls.campaign,
        coalesce(scored_calls.language, scored_calls.scored_language) as language,

        ---------- time
        scored_calls.started_at,
        {{ to_utc_date('scored_calls.started_at') }} as call_date,
        scored_calls.duration_s,

        ---------- score
        scored_calls.scorecard_id,
        scored_calls.scorecard_version,
        scored_calls.model_id,
        scored_calls.score,
        scored_calls.passed,
        scored_calls.criteria_met,
        scored_calls.criteria_total,
        scored_calls.criteria_na,
        scored_calls.critical_failed,
        scored_calls.needs_review,

        ---------- final score: human verdicts over AI ones, pending-review verdicts left out
        final_scores.final_score,
        final_scores.final_passed,
        final_scores.final_critical_failed,
        final_scores.verdicts,
        final_scores.verdicts_sent_to_review,
        final_scores.verdicts_pending_review,
        final_scores.verdicts_by_human,
        final_scores.verdicts_overridden,
        final_scores.disputes_open,

        ---------- conversation metrics (same ASR model as the score)
        call_metrics.agent_talk_share,
        call_metrics.customer_talk_share,
        call_metrics.silence_s,
        call_metrics.silence_share,
        call_metrics.longest_silence_s,
        call_metrics.overlap_s,
        call_metrics.dead_air_count,
        call_metrics.dead_air_s,
        call_metrics.dead_air_s / nullif(call_metrics.duration_s, 0) as dead_air_share,
        call_metrics.overtalk_count,
        call_metrics.agent_interruptions,
        call_metrics.agent_words_per_minute,
        call_metrics.time_to_first_agent_word_s,
        call_metrics.long_hold_count,
        call_metrics.long_hold_s,

        ---------- lineage: when an input of the row last changed (incremental builds)
        changed_calls.inputs_updated_at

    from scored_calls
    inner join changed_calls
        on scored_calls.call_uid = changed_calls.call_uid
    left join call_metrics
        on scored_calls.tenant_id = call_metrics.tenant_id
        and scored_calls.call_uid = call_metrics.call_uid
        and scored_calls.model_id = call_metrics.model_id
    left join final_scores
        on scored_calls.tenant_id = final_scores.tenant_id
        and scored_calls.call_uid = final_scores.call_uid

)

select * from final
