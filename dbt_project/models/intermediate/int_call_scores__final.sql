with

verdicts as (

    select * from {{ ref('int_criterion_verdicts__final') }}

),

selected_scores as (

    select * from {{ ref('int_call_scores__selected_version') }}

),

-- points over the KPI-eligible, applicable final verdicts
per_call as (

    select
        tenant_id,
        call_uid,
        sum(weight) filter (where is_kpi_eligible and final_verdict <> 'na') as final_points_possible,
        sum(weight) filter (where is_kpi_eligible and final_verdict = 'met') as final_points_earned,
        coalesce(bool_or(is_critical and final_verdict = 'not_met' and is_kpi_eligible), false)
            as final_critical_failed,
        count(*) as verdicts,
        count(*) filter (where ai_needs_review) as verdicts_sent_to_review,
        count(*) filter (where not is_kpi_eligible) as verdicts_pending_review,
        count(*) filter (where verdict_source = 'human') as verdicts_by_human,
        count(*) filter (where is_overridden) as verdicts_overridden,
        count(*) filter (where dispute_status = 'open') as disputes_open

    from verdicts
    group by tenant_id, call_uid

),

scored as (

    select

        ---------- ids
        selected_scores.call_uid,
        selected_scores.tenant_id,

        ---------- final score (after human review; critical failure → 0)
        case
            when coalesce(per_call.final_critical_failed, false) then 0.0
            when coalesce(per_call.final_points_possible, 0) = 0 then null
            else round(100.0 * coalesce(per_call.final_points_earned, 0) / per_call.final_points_possible, 2)
        end as final_score,
        coalesce(per_call.final_critical_failed, false) as final_critical_failed,
        coalesce(per_call.verdicts, 0) as verdicts,
        coalesce(per_call.verdicts_sent_to_review, 0) as verdicts_sent_to_review,
        coalesce(per_call.verdicts_pending_review, 0) as verdicts_pending_review,
        coalesce(per_call.verdicts_by_human, 0) as verdicts_by_human,
        coalesce(per_call.verdicts_overridden, 0) as verdicts_overridden,
        coalesce(per_call.disputes_open, 0) as disputes_open,
        selected_scores.pass_threshold

    from selected_scores
    left join per_call
        on selected_scores.tenant_id = per_call.tenant_id
        and selected_scores.call_uid = per_call.call_uid

),

final as (

    select
        *,
        case
            when final_score is null then null
            else not final_critical_failed and final_score >= coalesce(pass_threshold, 0)
        end as final_passed

    from scored

)

select * from final
