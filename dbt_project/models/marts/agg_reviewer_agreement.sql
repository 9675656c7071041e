{#-
    Agreement between reviewers who scored the same call and criterion (kind = review):
    every pair of distinct reviewers, each with their latest verdict, counts once.
-#}
with

reviews as (

    select * from {{ ref('stg_lakehouse__human_reviews') }}

),

latest_per_reviewer as (

    select
        tenant_id,
        call_uid,
        scorecard_id,
        scorecard_version,
        criterion_id,
        reviewer_id,
        verdict

    from reviews
    where review_kind = 'review'
    qualify row_number() over (
        partition by tenant_id, call_uid, scorecard_id, scorecard_version, criterion_id, reviewer_id
        order by reviewed_at desc, review_id desc
    ) = 1

),

pairs as (

    select
        a.tenant_id,
        a.scorecard_id,
        a.scorecard_version,
        a.criterion_id,
        a.call_uid,
        a.verdict = b.verdict as agree

    from latest_per_reviewer as a
    inner join latest_per_reviewer as b
        on a.tenant_id = b.tenant_id
        and a.call_uid = b.call_uid
        and a.scorecard_id = b.scorecard_id
        and a.scorecard_version = b.scorecard_version
        and a.criterion_id = b.criterion_id
        and a.reviewer_id < b.reviewer_id

),

final as (

    select

        ---------- grain
        tenant_id,
        scorecard_id,
        scorecard_version,
        criterion_id,

        ---------- measures
        count(distinct call_uid) as calls_double_reviewed,
        count(*) as reviewer_pairs,
        avg(cast(agree as double)) as agreement_rate

    from pairs
    group by all

)

select * from final
