with

categories as (

    select * from {{ ref('stg_lakehouse__call_categories') }}

),

calls as (

    select * from {{ ref('fct_calls') }}

),

final as (

    select

        ---------- ids
        categories.call_uid,
        categories.tenant_id,
        categories.category_id,

        ---------- dimensions
        categories.category_name,
        categories.taxonomy_id,
        categories.taxonomy_version,
        calls.agent_id,
        calls.team,
        calls.campaign,
        calls.call_date,

        ---------- measures
        categories.hits,
        categories.match_score,
        categories.evidence_start_s

    from categories
    -- the model that counts for the call (fct_calls' model)
    inner join calls
        on categories.tenant_id = calls.tenant_id
        and categories.call_uid = calls.call_uid
        and categories.model_id = calls.model_id
    -- latest taxonomy version of the call
    qualify row_number() over (
        partition by categories.tenant_id, categories.call_uid, categories.taxonomy_id, categories.category_id
        order by {{ version_sort_key('categories.taxonomy_version') }} desc
    ) = 1

)

select * from final
