with

transcripts as (

    select * from {{ ref('stg_lakehouse__transcripts') }}
    where {{ in_changed_calls() }}

),

ranked as (

    select
        *,
        count(*) over (partition by tenant_id, call_uid) as transcript_model_count,
        row_number() over (
            partition by tenant_id, call_uid
            order by transcribed_at desc, model_id desc
        ) as model_rank

    from transcripts

),

final as (

    select

        ---------- ids
        call_uid,
        tenant_id,
        model_id,

        ---------- transcript
        language as detected_language,
        language_probability,
        transcribed_at,
        transcript_model_count

    from ranked
    where model_rank = 1

)

select * from final
