with

call_scores as (

    select * from {{ ref('stg_lakehouse__call_scores') }}

),

latest_models as (

    select * from {{ ref('int_transcripts__latest_model_per_call') }}

),

scorecard_versions as (

    select * from {{ ref('stg_lakehouse__scorecard_versions') }}

),

scores_of_latest_model as (

    select
        call_scores.*,
        coalesce(scorecard_versions.is_active, false) as is_active_version,
        scorecard_versions.pass_threshold

    from call_scores
    inner join latest_models
        on call_scores.tenant_id = latest_models.tenant_id
        and call_scores.call_uid = latest_models.call_uid
        and call_scores.model_id = latest_models.model_id
    left join scorecard_versions
        on call_scores.tenant_id = scorecard_versions.tenant_id
        and call_scores.scorecard_id = scorecard_versions.scorecard_id
        and call_scores.scorecard_version = scorecard_versions.scorecard_version

),

-- The one place that decides which scorecard version counts for a call.
-- The version marked active (config/scorecards/_assignments.yaml, recorded in
-- silver.scorecard_versions) wins; what-if versions scored beside it never count.
-- Without an active row (e.g. history before the flag), the highest version
-- (compared numerically part by part, so '10' > '2').
version_choice as (

    select
        *,
        count(*) over (partition by tenant_id, call_uid) as scorecard_versions_scored,
        row_number() over (
            partition by tenant_id, call_uid
            order by
                is_active_version desc,
                {{ version_sort_key('scorecard_version') }} desc,
                scorecard_version desc,
                scored_at desc,
                scorecard_id
        ) as version_rank

    from scores_of_latest_model

),

final as (

    select

        ---------- ids
        call_uid,
        tenant_id,
        scorecard_id,
        scorecard_version,
        model_id,

        ---------- score
        score,
        points_earned,
        points_possible,
        passed,
        criteria_met,
        criteria_total,
        criteria_na,
        critical_failed,
        needs_review,
        pass_threshold,
        is_active_version,

        ---------- lineage
        scored_at,
        scorecard_versions_scored

    from version_choice
    where version_rank = 1

)

select * from final
