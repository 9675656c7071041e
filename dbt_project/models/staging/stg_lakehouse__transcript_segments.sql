with

source as (

    select * from {{ source('lakehouse', 'transcript_segments') }}

),

final as (

    select

        ----------  ids
        cast(call_uid as varchar) as call_uid,
        cast(tenant_id as varchar) as tenant_id,
        cast(model_id as varchar) as model_id,
        cast(segment_index as integer) as segment_index,

        ---------- speaker
        cast(speaker as varchar) as speaker,
        cast(channel as integer) as channel,

        ---------- timing
        cast(start_s as double) as start_s,
        cast(end_s as double) as end_s,
        cast(end_s as double) - cast(start_s as double) as segment_duration_s,

        ---------- text (PII: free text may contain personal data)
        cast(text as varchar) as segment_text,

        ---------- ASR confidence
        cast(avg_logprob as double) as avg_logprob,
        cast(no_speech_prob as double) as no_speech_prob

    from source

)

select * from final
