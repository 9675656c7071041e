{#- One long table so a BI tool filters dimension and period instead of joining nine marts. -#}
{%- set dimensions = ['agent', 'team', 'campaign'] -%}
{%- set periods = ['day', 'week', 'month'] -%}

with

calls as (

    select * from {{ ref('fct_calls') }}

),

keyed as (

    {% for dimension in dimensions %}{% for period in periods %}
    select
        '{{ dimension }}' as dimension,
        coalesce({{ 'agent_id' if dimension == 'agent' else dimension }}, '(none)') as dimension_value,
        '{{ period }}' as period,
        cast(date_trunc('{{ period }}', call_date) as date) as period_start,
        calls.*

    from calls
    {% if not (loop.last and dimension == dimensions[-1]) %}union all{% endif %}
    {% endfor %}{% endfor %}

),

final as (

    select

        ---------- grain
        tenant_id,
        dimension,
        dimension_value,
        period,
        period_start,

        ---------- volume
        count(*) as calls,
        count(final_score) as calls_with_final_score,

        ---------- quality (final = after human review, pending verdicts left out)
        avg(final_score) as avg_final_score,
        avg(cast(final_passed as double)) as final_pass_rate,
        avg(cast(final_critical_failed as double)) as critical_fail_rate,
        avg(score) as avg_ai_score,
        sum(verdicts_pending_review) as verdicts_pending_review,
        sum(verdicts_overridden) as verdicts_overridden,
        sum(disputes_open) as disputes_open,

        ---------- conversation (timings only; no emotion inference)
        avg(agent_talk_share) as avg_agent_talk_share,
        avg(silence_share) as avg_silence_share,
        avg(dead_air_s) as avg_dead_air_s,
        avg(overtalk_count) as avg_overtalk_count,
        avg(agent_interruptions) as avg_agent_interruptions,
        avg(agent_words_per_minute) as avg_agent_words_per_minute,
        avg(time_to_first_agent_word_s) as avg_time_to_first_agent_word_s,
        sum(long_hold_count) as long_holds

    from keyed
    group by tenant_id, dimension, dimension_value, period, period_start

)

select * from final
