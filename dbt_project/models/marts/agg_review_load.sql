{#-
    Review load: how many AI verdicts go to a person, per tenant and scorecard version.
    flagged_share = verdicts flagged needs_review / all AI verdicts (rounded to 4 decimals).
    Verdicts still waiting for a person are flagged with no human verdict yet: they stay out of
    the KPIs until someone decides. Over every call (a handful of rows per tenant): recomputed
    whole from the incremental fact on each build.
-#}
with

verdicts as (

    select * from {{ ref('fct_criterion_verdicts') }}

),

final as (

    select

        ---------- grain
        tenant_id,
        scorecard_id,
        scorecard_version,

        ---------- volume
        count(distinct call_uid) as calls,
        count(*) as verdicts,
        count(*) filter (where ai_needs_review) as verdicts_flagged,
        round(count(*) filter (where ai_needs_review) / count(*), 4) as flagged_share,
        count(*) filter (where ai_needs_review and human_verdict is null) as verdicts_pending_review,

        ---------- flagged, by review reason
        count(*) filter (where review_reason = 'not_heard') as flagged_not_heard,
        count(*) filter (where review_reason = 'near_miss') as flagged_near_miss,
        count(*) filter (where review_reason = 'low_confidence') as flagged_low_confidence,
        count(*) filter (where review_reason = 'speaker_unknown') as flagged_speaker_unknown,
        count(*) filter (where review_reason = 'metric_unavailable') as flagged_metric_unavailable

    from verdicts
    group by tenant_id, scorecard_id, scorecard_version

)

select * from final
