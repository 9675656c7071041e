with

source as (

    select * from {{ source('lakehouse', 'calls') }}

),

final as (

    select

        ----------  ids
        cast(call_uid as varchar) as call_uid,
        cast(tenant_id as varchar) as tenant_id,
        cast(call_id as varchar) as call_id,
        cast(batch_id as varchar) as batch_id,
        cast(agent_id as varchar) as agent_id,
        -- PII (indirect): HMAC pseudonym of the caller's phone number
        cast(caller_key as varchar) as caller_key,

        ---------- call attributes
        cast(team as varchar) as team,
        cast(campaign as varchar) as campaign,
        cast(language as varchar) as language,
        cast(channel_layout as varchar) as channel_layout,

        ---------- audio
        cast(audio_uri as varchar) as audio_uri,
        cast(audio_sha256 as varchar) as audio_sha256,
        cast(audio_format as varchar) as audio_format,
        cast(duration_s as double) as duration_s,
        cast(channels as integer) as channels,
        cast(sample_rate as integer) as sample_rate,
        cast(file_size_bytes as bigint) as file_size_bytes,

        ---------- timestamps (UTC instants)
        cast(started_at as timestamp with time zone) as started_at,
        cast(ingested_at as timestamp with time zone) as ingested_at

    from source

)

select * from final
