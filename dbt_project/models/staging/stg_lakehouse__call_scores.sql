with

source as (

    select * from {{ source('lakehouse', 'call_scores') }}

),

final as (

    select

        ----------  ids
        cast(call_uid as varchar) as call_uid,
        cast(tenant_id as varchar) as tenant_id,
        cast(scorecard_id as varchar) as scorecard_id,
        cast(scorecard_version as varchar) as scorecard_version,
        cast(model_id as varchar) as model_id,

        ---------- score
        cast(score as double) as score,
        cast(points_earned as double) as points_earned,
        cast(points_possible as double) as points_possible,
        cast(passed as boolean) as passed,
        cast(criteria_met as integer) as criteria_met,
        cast(criteria_total as integer) as criteria_total,
        coalesce(cast(criteria_na as integer), 0) as criteria_na,
        coalesce(cast(critical_failed as boolean), false) as critical_failed,
        coalesce(cast(needs_review as boolean), false) as needs_review,

        ---------- the transcript's language (declared or detected), kept with the score
        cast(language as varchar) as language,

        ---------- timestamps
        cast(scored_at as timestamp with time zone) as scored_at

    from source

)

select * from final
