with

scores_of_latest_model as (

    select * from {{ ref('int_call_scores__latest_model') }}

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
        language,

        ---------- lineage
        scored_at,
        scorecard_versions_scored

    from version_choice
    where version_rank = 1

)

select * from final
