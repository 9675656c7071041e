{#-
    The rows of `relation` once per dimension (agent, team, campaign) and period (day, week
    starting Monday, month) they count in, with the dimension's value and the period's first day:
    agg_qa_kpis groups them, so a BI tool filters one dimension and one period instead of joining
    nine marts. `date_expression` gives the row's UTC date.
-#}
{% macro qa_kpi_keys(relation, date_expression) -%}
    {%- set keys = [] -%}
    {%- for dimension, column in [('agent', 'agent_id'), ('team', 'team'), ('campaign', 'campaign')] -%}
        {%- for period in ['day', 'week', 'month'] -%}
            {%- do keys.append((dimension, column, period)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for dimension, column, period in keys %}
    select
        '{{ dimension }}' as dimension,
        coalesce({{ column }}, '(none)') as dimension_value,
        '{{ period }}' as period,
        cast(date_trunc('{{ period }}', {{ date_expression }}) as date) as period_start,
        {{ relation }}.*

    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
