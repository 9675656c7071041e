with

source as (

    select * from {{ source('lakehouse', 'scorecard_versions') }}

),

final as (

    select

        ---------- ids
        cast(tenant_id as varchar) as tenant_id,
        cast(scorecard_id as varchar) as scorecard_id,
        cast(scorecard_version as varchar) as scorecard_version,

        ---------- attributes
        cast(name as varchar) as scorecard_name,
        cast(pass_threshold as double) as pass_threshold,
        cast(criteria_total as integer) as criteria_total,
        cast(is_active as boolean) as is_active,

        ---------- timestamps
        cast(recorded_at as timestamp with time zone) as recorded_at

    from source

)

select * from final
