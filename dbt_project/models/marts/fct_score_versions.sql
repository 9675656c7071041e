with

changed_calls as (

    select * from {{ ref('int_calls__changed') }}

),

-- the call's latest transcript model only, so versions compare on the same transcript
call_scores as (

    select * from {{ ref('int_call_scores__latest_model') }}

),

selected_scores as (

    select * from {{ ref('int_call_scores__selected_version') }}

),

final as (

    select

        ---------- ids
        call_scores.call_uid,
        call_scores.tenant_id,
        call_scores.scorecard_id,
        call_scores.scorecard_version,
        call_scores.model_id,

        ---------- version
        call_scores.is_active_version,
        call_scores.scorecard_version = selected_scores.scorecard_version as is_kpi_version,

        ---------- score of this version
        call_scores.score,
        call_scores.passed,
        call_scores.critical_failed,
        call_scores.criteria_met,
        call_scores.criteria_na,
        call_scores.criteria_total,

        ---------- what-if: this version against the one KPIs count
        selected_scores.scorecard_version as kpi_scorecard_version,
        call_scores.score - selected_scores.score as score_delta_vs_kpi_version,
        call_scores.passed <> selected_scores.passed as pass_changes_vs_kpi_version,
        call_scores.scored_at,

        ---------- lineage: when an input of the call last changed (incremental builds)
        changed_calls.inputs_updated_at

    from call_scores
    inner join selected_scores
        on call_scores.tenant_id = selected_scores.tenant_id
        and call_scores.call_uid = selected_scores.call_uid
        and call_scores.scorecard_id = selected_scores.scorecard_id
    inner join changed_calls
        on call_scores.call_uid = changed_calls.call_uid

)

select * from final
