with

changed_calls as (

    select * from {{ ref('int_calls__changed') }}

),

verdicts as (

    select * from {{ ref('int_criterion_verdicts__final') }}

),

calls as (

    select * from {{ ref('stg_lakehouse__calls') }}
    where {{ in_changed_calls() }}

),

final as (

    select

        ---------- ids
        verdicts.call_uid,
        verdicts.tenant_id,
        calls.call_id,
        calls.agent_id,
        verdicts.scorecard_id,
        verdicts.scorecard_version,
        verdicts.model_id,
        verdicts.criterion_id,

        ---------- dimensions
        calls.team,
        calls.campaign,
        {{ to_utc_date('calls.started_at') }} as call_date,
        verdicts.criterion_name,
        verdicts.section_id,
        verdicts.criterion_kind,
        verdicts.is_critical,
        verdicts.weight,

        ---------- AI verdict and evidence pointers
        verdicts.ai_verdict,
        verdicts.ai_needs_review,
        verdicts.review_reason,
        verdicts.evidence_kind,
        verdicts.evidence_start_s,
        verdicts.evidence_end_s,
        verdicts.evidence_speaker,
        verdicts.match_score,
        verdicts.confidence,
        verdicts.metric_value,

        ---------- human review
        verdicts.human_verdict,
        verdicts.human_verdict_kind,
        verdicts.human_reviewed_at,
        verdicts.dispute_status,

        ---------- final
        verdicts.final_verdict,
        verdicts.verdict_source,
        verdicts.is_overridden,
        verdicts.is_kpi_eligible,

        ---------- lineage: when an input of the call last changed (incremental builds)
        changed_calls.inputs_updated_at

    from verdicts
    inner join calls
        on verdicts.tenant_id = calls.tenant_id
        and verdicts.call_uid = calls.call_uid
    inner join changed_calls
        on verdicts.call_uid = changed_calls.call_uid

)

select * from final
