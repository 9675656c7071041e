{#-
    What the previous build left, read from the build file: int_calls__changed and the tests
    compare the lakehouse with it. Kept apart from incremental_calls.sql because it reads the
    database (the record of processing renders the models' SQL without one).
-#}

{#- The incremental facts: what they hold says how far the previous build got. -#}
{% macro incremental_facts() -%}
    {{ return(['fct_calls', 'fct_criterion_verdicts', 'fct_score_versions']) }}
{%- endmacro %}


{#-
    The previous build's facts as relations (name -> relation), or an empty dict when this run
    must rebuild every call: `--full-refresh`, or a fact missing from the build file (first build,
    or a build file deleted to rebuild from scratch).
-#}
{% macro previous_incremental_facts(database=none, schema=none) -%}
    {%- set found = {} -%}
    {%- if execute and not flags.FULL_REFRESH -%}
        {%- for name in incremental_facts() -%}
            {%- set relation = adapter.get_relation(
                database=database or this.database, schema=schema or this.schema,
                identifier=name) -%}
            {%- if relation is not none -%}
                {%- do found.update({name: relation}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found if found | length == incremental_facts() | length else {}) }}
{%- endmacro %}


{#-
    SQL for the instant after which an input row counts as changed: the newest inputs_updated_at
    the facts hold (the oldest of the facts', if one lags behind), less var kpi_lookback_hours for
    a batch whose timestamps were taken before its rows were committed. None on a full build.
-#}
{% macro previous_build_cutoff(database=none, schema=none) -%}
    {%- set previous = previous_incremental_facts(database, schema) -%}
    {%- if not previous -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set newest = [] -%}
    {%- for relation in previous.values() -%}
        {%- do newest.append(
            "(select coalesce(max(inputs_updated_at), '-infinity'::timestamptz) from "
            ~ relation ~ ")") -%}
    {%- endfor -%}
    {{ return("(least(" ~ newest | join(", ") ~ ") - to_hours("
              ~ var('kpi_lookback_hours') ~ "))") }}
{%- endmacro %}


{#-
    The same instant as a constant (queried once when the node compiles), or None on a full
    build. A constant lets DuckDB skip the Parquet row groups written before it by their min/max
    statistics; a subquery makes it read every row of the input (at a million calls, 7 million
    verdicts for each test of the verdicts).
-#}
{% macro previous_build_cutoff_literal(database=none, schema=none) -%}
    {%- set cutoff = previous_build_cutoff(database, schema) if execute else none -%}
    {%- if cutoff is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set value = run_query("select cast(" ~ cutoff ~ " as varchar)").columns[0].values()[0] -%}
    {{ return("'" ~ value ~ "'::timestamptz") }}
{%- endmacro %}


{#-
    The calls an erasure changed, left in the build file for this run
    (transforms/kpis/build_file.py, ERASURE_CHANGES: tenant_id, call_uid of a kept call or null
    for an erased one, call_date), or none. The erased calls' rows are already gone from the
    build file; int_calls__changed rebuilds the kept ones, int_calls__changed_periods the days
    of all of them.
-#}
{% macro erasure_changes() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(
        database=this.database, schema=this.schema, identifier='erasure_changed_calls')) }}
{%- endmacro %}
