with

source as (

    select * from {{ source('lakehouse', 'call_categories') }}

),

final as (

    select

        ---------- ids
        cast(call_uid as varchar) as call_uid,
        cast(tenant_id as varchar) as tenant_id,
        cast(model_id as varchar) as model_id,
        cast(taxonomy_id as varchar) as taxonomy_id,
        cast(taxonomy_version as varchar) as taxonomy_version,
        cast(category_id as varchar) as category_id,

        ---------- category
        cast(category_name as varchar) as category_name,
        cast(hits as integer) as hits,

        ---------- evidence pointer (the quote itself is never read: free text, PII)
        cast(evidence_start_s as double) as evidence_start_s,
        cast(match_score as double) as match_score,

        ---------- timestamps
        cast(categorised_at as timestamp with time zone) as categorised_at

    from source

)

select * from final
