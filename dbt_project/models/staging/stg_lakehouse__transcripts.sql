with

source as (

    select * from {{ source('lakehouse', 'transcripts') }}

),

final as (

    select

        ----------  ids
        cast(call_uid as varchar) as call_uid,
        cast(tenant_id as varchar) as tenant_id,
        cast(model_id as varchar) as model_id,

        ---------- language detection
        cast(language as varchar) as language,
        cast(language_probability as double) as language_probability,

        ---------- timestamps
        cast(transcribed_at as timestamp with time zone) as transcribed_at

    from source

)

select * from final
