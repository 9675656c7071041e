{#-
    Which calls each build rebuilt, build after build (the last var kpi_changed_log_builds
    builds): the publish brings a tenant's file of an earlier build up to date with this one by
    replacing the rows of the calls logged since, not by copying or rewriting the file
    (transforms/kpis/publish.py). Every build adds a row without a call (the build itself: it
    may rebuild no call), so the newest build_seq is this build's.

    A new build file (or --full-refresh) starts a new generation: every call was rebuilt, none is
    listed, and a published file of another generation is written anew, never patched (the dbt
    code may have changed every row).
-#}
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ forget_old_builds() }}") }}

with

changed as (

    select * from {{ ref('int_calls__changed') }}

),

previous_build as (

    {% if is_incremental() %}
    select
        max(build_seq) as build_seq,
        any_value(build_generation) as build_generation
    from {{ this }}
    {% else %}
    select
        0 as build_seq,
        cast(gen_random_uuid() as varchar) as build_generation
    {% endif %}

),

this_build as (

    select
        cast(build_seq + 1 as integer) as build_seq,
        build_generation

    from previous_build

),

final as (

    select
        this_build.build_seq,
        this_build.build_generation,
        cast(null as varchar) as tenant_id,
        cast(null as varchar) as call_uid

    from this_build

    {% if is_incremental() %}
    union all

    select
        this_build.build_seq,
        this_build.build_generation,
        changed.tenant_id,
        changed.call_uid

    from changed
    cross join this_build
    {% endif %}

)

select * from final
