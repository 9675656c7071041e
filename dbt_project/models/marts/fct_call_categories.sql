with

changed_calls as (

    select * from {{ ref('int_calls__changed') }}

),

categories as (

    select * from {{ ref('stg_lakehouse__call_categories') }}
    where {{ in_changed_calls() }}

),

calls as (

    select * from {{ ref('fct_calls') }}
    where {{ in_changed_calls() }}

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
        categories.evidence_start_s,

        ---------- lineage: when an input of the call last changed (incremental builds)
        changed_calls.inputs_updated_at

    from categories
    -- the model that counts for the call (fct_calls' model)
    inner join calls
        on categories.tenant_id = calls.tenant_id
        and categories.call_uid = calls.call_uid
        and categories.model_id = calls.model_id
    inner join changed_calls
        on categories.call_uid = changed_calls.call_uid
    -- latest taxonomy version of the call
    qualify row_number() over (
        partition by categories.tenant_id, categories.call_uid, categories.taxonomy_id, categories.category_id
        order by {{ version_sort_key('categories.taxonomy_version') }} desc
    ) = 1

)

select * from final
