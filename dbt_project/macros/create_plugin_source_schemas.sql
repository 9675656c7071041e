{#-
    Run as on-run-start. dbt-duckdb's plugin sources (meta.plugin, here `delta`)
    are loaded lazily when a model resolves `source(...)`, and each load runs
    `CREATE SCHEMA IF NOT EXISTS <source schema>` first. With threads > 1 two
    staging models doing that at the same moment fail with
    "Catalog write-write conflict on create". Creating the schemas once up
    front makes the per-load statement a no-op.
-#}
{% macro create_plugin_source_schemas() %}
    {%- if execute -%}
        {%- set schemas = [] -%}
        {%- for source_node in graph.sources.values() -%}
            {%- if source_node.meta.get('plugin') or source_node.config.get('meta', {}).get('plugin') -%}
                {%- set qualified = adapter.quote(source_node.database) ~ '.' ~ adapter.quote(source_node.schema) -%}
                {%- if qualified not in schemas -%}
                    {%- do schemas.append(qualified) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for schema in schemas -%}
            {%- do run_query('create schema if not exists ' ~ schema) -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
