with

source as (

    select * from {{ source('lakehouse', 'transcripts') }}

),

final as (

    select

        ----------  ids
        cast(call_uid as varchar) as call_uid,
        cast(tenant_id as varchar) as tenant_id,
        cast(call_id as varchar) as call_id,
        cast(model_id as varchar) as model_id,
        cast(audio_sha256 as varchar) as audio_sha256,

        ---------- language detection
        cast(language as varchar) as language,
        cast(language_probability as double) as language_probability,

        ---------- text (PII: free text may contain personal data)
        cast(text as varchar) as transcript_text,
        cast(agent_text as varchar) as agent_text,
        cast(customer_text as varchar) as customer_text,

        ---------- numerics
        cast(duration_s as double) as duration_s,
        cast(segment_count as integer) as segment_count,
        cast(transcribe_seconds as double) as transcribe_seconds,
        cast(real_time_factor as double) as real_time_factor,

        ---------- timestamps
        cast(transcribed_at as timestamp with time zone) as transcribed_at

    from source

)

select * from final
