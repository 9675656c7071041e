with

call_scores as (

    select * from {{ ref('stg_lakehouse__call_scores') }}

),

latest_models as (

    select * from {{ ref('int_transcripts__latest_model_per_call') }}

),

selected_scores as (

    select * from {{ ref('int_call_scores__selected_version') }}

),

scorecard_versions as (

    select * from {{ ref('stg_lakehouse__scorecard_versions') }}

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
        coalesce(scorecard_versions.is_active, false) as is_active_version,
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
        call_scores.scored_at

    from call_scores
    -- the call's latest transcript model only, so versions compare on the same transcript
    inner join latest_models
        on call_scores.tenant_id = latest_models.tenant_id
        and call_scores.call_uid = latest_models.call_uid
        and call_scores.model_id = latest_models.model_id
    inner join selected_scores
        on call_scores.tenant_id = selected_scores.tenant_id
        and call_scores.call_uid = selected_scores.call_uid
        and call_scores.scorecard_id = selected_scores.scorecard_id
    left join scorecard_versions
        on call_scores.tenant_id = scorecard_versions.tenant_id
        and call_scores.scorecard_id = scorecard_versions.scorecard_id
        and call_scores.scorecard_version = scorecard_versions.scorecard_version

)

select * from final
