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
        cast(agent_id as varchar) as agent_id,

        ---------- call attributes
        cast(team as varchar) as team,
        cast(campaign as varchar) as campaign,
        cast(language as varchar) as language,
        cast(duration_s as double) as duration_s,

        ---------- timestamps (UTC instants)
        cast(started_at as timestamp with time zone) as started_at,
        cast(ingested_at as timestamp with time zone) as ingested_at

    from source

)

select * from final
