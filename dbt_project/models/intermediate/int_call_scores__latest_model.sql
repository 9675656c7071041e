with

call_scores as (

    select * from {{ ref('stg_lakehouse__call_scores') }}
    where {{ in_changed_calls() }}

),

latest_models as (

    select * from {{ ref('int_transcripts__latest_model_per_call') }}

),

scorecard_versions as (

    select * from {{ ref('stg_lakehouse__scorecard_versions') }}

),

-- Scores of a call's latest transcript model only: versions are compared, and one chosen,
-- on the same transcript.
final as (

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

)

select * from final
