{#-
    The calls whose mart rows this run (re)builds: every per-call intermediate model and every
    incremental fact is limited to them. On a full build, every call. On an incremental run, the
    calls with an input row written after the previous build, and the calls whose scorecard
    versions changed their active flag since the facts recorded it.

    "Written after the previous build": an input's write time (the pipeline's clock: ingested_at,
    computed_at, scored_at, categorised_at; a review's ingested_at, never the reviewed_at a
    person typed) later than the newest inputs_updated_at the incremental facts hold, less
    var('kpi_lookback_hours') for a batch whose timestamps were taken before its rows were
    committed (batches may run beside a KPI build on Celery workers).

    After an erasure, also the kept calls it changed (a review an erased agent wrote on another
    agent's call): erasure_changes() in macros/incremental_state.sql.
-#}
{%- set previous = previous_incremental_facts() if execute else {} -%}
{%- set cutoff = previous_build_cutoff_literal() if previous else none -%}
{%- set erased = erasure_changes() if previous else none -%}

with

calls as (

    select * from {{ ref('stg_lakehouse__calls') }}

),

call_metrics as (

    select * from {{ ref('stg_lakehouse__call_metrics') }}

),

call_scores as (

    select * from {{ ref('stg_lakehouse__call_scores') }}

),

criterion_results as (

    select * from {{ ref('stg_lakehouse__criterion_results') }}

),

human_reviews as (

    select * from {{ ref('stg_lakehouse__human_reviews') }}

),

call_categories as (

    select * from {{ ref('stg_lakehouse__call_categories') }}

),

scorecard_versions as (

    select * from {{ ref('stg_lakehouse__scorecard_versions') }}

),

-- every input row of a call and when the pipeline wrote it (the staging tests scope their rows
-- with the same columns: macros/tests_on_changed_calls.sql)
input_rows as (

    select tenant_id, call_uid, ingested_at as written_at from calls
    union all
    select tenant_id, call_uid, computed_at from call_metrics
    union all
    select tenant_id, call_uid, scored_at from call_scores
    union all
    select tenant_id, call_uid, scored_at from criterion_results
    union all
    select tenant_id, call_uid, ingested_at from human_reviews
    union all
    select tenant_id, call_uid, categorised_at from call_categories

),

{% if not previous %}

final as (

    select
        tenant_id,
        call_uid,
        max(written_at) as inputs_updated_at

    from input_rows
    group by tenant_id, call_uid

)

{% else %}

-- calls with a row written since the previous build; the newest row is among those rows
written_since as (

    select
        tenant_id,
        call_uid,
        max(written_at) as inputs_updated_at

    from input_rows
    where written_at > {{ cutoff }}
    group by tenant_id, call_uid

),

-- a version's active flag decides which version counts: calls whose recorded flag moved
flag_changes as (

    select distinct built.call_uid

    from {{ previous['fct_score_versions'] }} as built
    left join scorecard_versions
        on built.tenant_id = scorecard_versions.tenant_id
        and built.scorecard_id = scorecard_versions.scorecard_id
        and built.scorecard_version = scorecard_versions.scorecard_version
    where built.is_active_version is distinct from coalesce(scorecard_versions.is_active, false)

),

flag_changed as (

    select
        tenant_id,
        call_uid,
        max(written_at) as inputs_updated_at

    from input_rows
    where call_uid in (select call_uid from flag_changes)
    group by tenant_id, call_uid

),

{% if erased %}
-- kept calls whose inputs an erasure deleted or nulled
erasure_changed as (

    select
        tenant_id,
        call_uid,
        max(written_at) as inputs_updated_at

    from input_rows
    where call_uid in (select call_uid from {{ erased }} where call_uid is not null)
    group by tenant_id, call_uid

),
{% endif %}

final as (

    select * from written_since
    union
    select * from flag_changed
    {% if erased %}
    union
    select * from erasure_changed
    {% endif %}

)

{% endif %}

select * from final
