with

criterion_results as (

    select * from {{ ref('stg_lakehouse__criterion_results') }}
    where {{ in_changed_calls() }}

),

selected_scores as (

    select * from {{ ref('int_call_scores__selected_version') }}

),

human_reviews as (

    select * from {{ ref('stg_lakehouse__human_reviews') }}
    where {{ in_changed_calls() }}

),

-- AI verdicts of the version and model that count for each call
ai_verdicts as (

    select criterion_results.*

    from criterion_results
    inner join selected_scores
        on criterion_results.tenant_id = selected_scores.tenant_id
        and criterion_results.call_uid = selected_scores.call_uid
        and criterion_results.scorecard_id = selected_scores.scorecard_id
        and criterion_results.scorecard_version = selected_scores.scorecard_version
        and criterion_results.model_id = selected_scores.model_id

),

-- the latest verdict a person gave (a review or a dispute's resolution): it wins over the AI
latest_human as (

    select
        tenant_id,
        call_uid,
        scorecard_id,
        scorecard_version,
        criterion_id,
        verdict as human_verdict,
        review_kind as human_verdict_kind,
        reviewer_id as human_reviewer_id,
        reviewed_at as human_reviewed_at

    from human_reviews
    where review_kind in ('review', 'resolution')
    qualify row_number() over (
        partition by tenant_id, call_uid, scorecard_id, scorecard_version, criterion_id
        order by reviewed_at desc, review_id desc
    ) = 1

),

-- a dispute is open until a resolution comes after the latest dispute
disputes as (

    select
        tenant_id,
        call_uid,
        scorecard_id,
        scorecard_version,
        criterion_id,
        count(*) filter (where review_kind = 'dispute') as disputes,
        max(reviewed_at) filter (where review_kind = 'dispute') as last_dispute_at,
        max(reviewed_at) filter (where review_kind = 'resolution') as last_resolution_at

    from human_reviews
    group by all

),

final as (

    select

        ---------- ids
        ai_verdicts.call_uid,
        ai_verdicts.tenant_id,
        ai_verdicts.scorecard_id,
        ai_verdicts.scorecard_version,
        ai_verdicts.model_id,
        ai_verdicts.criterion_id,

        ---------- criterion
        ai_verdicts.criterion_name,
        ai_verdicts.section_id,
        ai_verdicts.criterion_kind,
        ai_verdicts.is_critical,
        ai_verdicts.weight,

        ---------- AI verdict and its evidence (no quote: marts carry no free text)
        ai_verdicts.verdict as ai_verdict,
        ai_verdicts.needs_review as ai_needs_review,
        ai_verdicts.review_reason,
        ai_verdicts.evidence_kind,
        ai_verdicts.evidence_start_s,
        ai_verdicts.evidence_end_s,
        ai_verdicts.evidence_speaker,
        ai_verdicts.match_score,
        ai_verdicts.confidence,
        ai_verdicts.metric_value,

        ---------- human verdict
        latest_human.human_verdict,
        latest_human.human_verdict_kind,
        latest_human.human_reviewer_id,
        latest_human.human_reviewed_at,
        case
            when coalesce(disputes.disputes, 0) = 0 then 'none'
            when disputes.last_resolution_at >= disputes.last_dispute_at then 'resolved'
            else 'open'
        end as dispute_status,

        ---------- final verdict: the latest human verdict, else the AI's
        coalesce(latest_human.human_verdict, ai_verdicts.verdict) as final_verdict,
        case when latest_human.human_verdict is null then 'ai' else 'human' end as verdict_source,
        coalesce(latest_human.human_verdict <> ai_verdicts.verdict, false) as is_overridden,
        -- an AI verdict flagged for review counts only once a person has confirmed it
        (latest_human.human_verdict is not null or not ai_verdicts.needs_review) as is_kpi_eligible

    from ai_verdicts
    left join latest_human
        on ai_verdicts.tenant_id = latest_human.tenant_id
        and ai_verdicts.call_uid = latest_human.call_uid
        and ai_verdicts.scorecard_id = latest_human.scorecard_id
        and ai_verdicts.scorecard_version = latest_human.scorecard_version
        and ai_verdicts.criterion_id = latest_human.criterion_id
    left join disputes
        on ai_verdicts.tenant_id = disputes.tenant_id
        and ai_verdicts.call_uid = disputes.call_uid
        and ai_verdicts.scorecard_id = disputes.scorecard_id
        and ai_verdicts.scorecard_version = disputes.scorecard_version
        and ai_verdicts.criterion_id = disputes.criterion_id

)

select * from final
