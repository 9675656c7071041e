with

source as (

    select * from {{ source('lakehouse', 'human_reviews') }}

),

final as (

    select

        ---------- ids
        cast(review_id as varchar) as review_id,
        cast(tenant_id as varchar) as tenant_id,
        cast(call_uid as varchar) as call_uid,
        cast(scorecard_id as varchar) as scorecard_id,
        cast(scorecard_version as varchar) as scorecard_version,
        cast(criterion_id as varchar) as criterion_id,

        ---------- event (the free-text comment is never read: PII)
        cast(kind as varchar) as review_kind,
        cast(verdict as varchar) as verdict,
        cast(reviewer_id as varchar) as reviewer_id,

        ---------- timestamps: reviewed_at is the reviewer's, ingested_at when it was stored
        cast(reviewed_at as timestamp with time zone) as reviewed_at,
        cast(ingested_at as timestamp with time zone) as ingested_at

    from source

)

select * from final
