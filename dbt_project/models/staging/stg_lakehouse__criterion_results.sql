with

source as (

    select * from {{ source('lakehouse', 'criterion_results') }}

),

final as (

    select

        ----------  ids
        cast(call_uid as varchar) as call_uid,
        cast(tenant_id as varchar) as tenant_id,
        cast(scorecard_id as varchar) as scorecard_id,
        cast(scorecard_version as varchar) as scorecard_version,
        cast(model_id as varchar) as model_id,
        cast(criterion_id as varchar) as criterion_id,

        ---------- criterion
        cast(criterion_name as varchar) as criterion_name,
        cast(verdict as varchar) as verdict,

        ---------- evidence pointers (the quote itself is never read: free text, PII)
        cast(evidence_start_s as double) as evidence_start_s,
        cast(evidence_end_s as double) as evidence_end_s,
        cast(evidence_speaker as varchar) as evidence_speaker,

        ---------- matching
        cast(match_score as double) as match_score,
        cast(confidence as double) as confidence,
        cast(evidence_kind as varchar) as evidence_kind,
        cast(metric_value as double) as metric_value,

        ---------- scorecard structure
        cast(section_id as varchar) as section_id,
        cast(kind as varchar) as criterion_kind,
        coalesce(cast(critical as boolean), false) as is_critical,
        coalesce(cast(weight as double), cast(points_possible as double)) as weight,

        ---------- review flag: kept out of agent KPIs until a person confirms it
        coalesce(cast(needs_review as boolean), false) as needs_review,
        cast(review_reason as varchar) as review_reason,
        cast(scored_at as timestamp with time zone) as scored_at

    from source

)

select * from final
