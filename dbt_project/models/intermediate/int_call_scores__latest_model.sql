with

call_scores as (

    select * from {{ ref('stg_lakehouse__call_scores') }}
    where {{ in_changed_calls() }}

),

scorecard_versions as (

    select * from {{ ref('stg_lakehouse__scorecard_versions') }}

),

-- The transcript model that counts for a call, decided by the scores themselves (the KPIs must
-- outlive the transcripts, which go after 6 months): the model first scored most recently. A new
-- model is scored right after it transcribes; re-scoring an older model with a what-if version
-- adds later scores but never moves its first one. Ties: the highest model_id.
latest_models as (

    select
        tenant_id,
        call_uid,
        model_id

    from call_scores
    group by tenant_id, call_uid, model_id
    qualify row_number() over (
        partition by tenant_id, call_uid
        order by min(scored_at) desc, model_id desc
    ) = 1

),

-- Scores of a call's latest model only: versions are compared, and one chosen, on the same
-- transcript.
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
