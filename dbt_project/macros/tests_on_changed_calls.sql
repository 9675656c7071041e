{#-
    On an incremental run, data tests check the rows that can have changed; on a full build,
    every row.

    Only the calls in int_calls__changed were rebuilt in the call-keyed marts, and only calls with
    a row written after the previous build can have a new row in the staging models. Every test
    here is about the rows of one call (a key starting with call_uid, or (tenant_id, call_id),
    which call_uid hashes; a value null or in range; a row pointing to its parent), so checking
    those calls' rows is as strict as checking them all: at a million calls, seconds instead of a
    minute. On a staging model, a test of one row (not null, a range, a parent) checks the rows
    written since the previous build, which the Parquet statistics find without reading the
    others; a key test checks every row of the calls those rows belong to (a new row may repeat
    an old one's key). Marts not keyed by call and the scorecard versions are always tested
    whole.

    Overrides dbt's get_where_subquery, which wraps the model a generic test checks.
-#}

{#- When the pipeline wrote a staging row (as in int_calls__changed: keep the two in step). -#}
{% macro input_write_times() -%}
    {{ return({
        'stg_lakehouse__calls': 'ingested_at',
        'stg_lakehouse__call_metrics': 'computed_at',
        'stg_lakehouse__call_scores': 'scored_at',
        'stg_lakehouse__criterion_results': 'scored_at',
        'stg_lakehouse__human_reviews': 'ingested_at',
        'stg_lakehouse__call_categories': 'categorised_at',
    }) }}
{%- endmacro %}


{% macro call_keyed_marts() -%}
    {{ return(incremental_facts() + ['fct_call_categories']) }}
{%- endmacro %}


{% macro changed_rows_filter(relation) -%}
    {%- if relation.identifier in call_keyed_marts() -%}
        {#- Not ref(): a generic test's dependencies are its arguments'. A mart is built after
            int_calls__changed, and its tests after the mart, so this is the run's table. -#}
        {%- set changed = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier='int_calls__changed') -%}
        {%- if changed is not none -%}
            {{ return('call_uid in (select call_uid from ' ~ changed ~ ')') }}
        {%- endif -%}
    {%- elif relation.identifier in input_write_times() -%}
        {#- Staging tests run before any mart is rebuilt: the facts still hold the last build. -#}
        {%- set cutoff = previous_build_cutoff_literal(relation.database, relation.schema) -%}
        {%- if cutoff is not none -%}
            {%- set written = input_write_times()[relation.identifier] ~ ' > ' ~ cutoff -%}
            {%- set test = (model.get('test_metadata') or {}).get('name') -%}
            {%- if test in ('unique', 'unique_combination_of_columns') -%}
                {{ return('call_uid in (select call_uid from ' ~ relation ~ ' where '
                          ~ written ~ ')') }}
            {%- endif -%}
            {{ return(written) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set scope = changed_rows_filter(relation) if execute else none -%}
    {%- if scope -%}
        {%- set where = ('(' ~ where ~ ') and ' ~ scope) if where else scope -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
