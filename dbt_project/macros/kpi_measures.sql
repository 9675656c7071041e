{#-
    The formula of each KPI, written once. A mart that holds a KPI at some grain (an agent and a
    day, a tenant and a week, a tenant over every call it has) groups its rows by that grain and
    calls these macros, so two marts cannot compute one KPI two ways. What each KPI means is in
    the description of the mart column marked `meta: {kpi: ...}` (the glossary in README.md).
-#}

{#- Per group of received calls (stg_lakehouse__calls): volume and average handle time. -#}
{% macro received_call_measures() -%}
        count(*) as calls_received,
        {{ exact_avg('duration_s') }} as avg_handle_time_s
{%- endmacro %}

{#-
    Per group of scored calls (rows of fct_calls). Volumes and sums are additive; the means are
    over the calls that have the value (a call without metrics does not count in a metric's mean).
-#}
{% macro scored_call_measures() -%}
        ---------- volume
        count(*) as calls,
        count(final_score) as calls_with_final_score,

        ---------- quality (final = after human review, pending verdicts left out)
        {{ exact_avg('final_score') }} as avg_final_score,
        avg(cast(final_passed as double)) as final_pass_rate,
        avg(cast(final_critical_failed as double)) as critical_fail_rate,
        {{ exact_avg('score') }} as avg_ai_score,
        sum(verdicts) as verdicts,
        sum(verdicts_sent_to_review) as verdicts_sent_to_review,
        sum(verdicts_pending_review) as verdicts_pending_review,
        sum(verdicts_overridden) as verdicts_overridden,
        sum(disputes_open) as disputes_open,

        ---------- conversation (timings only; no emotion inference)
        {{ exact_avg('agent_talk_share') }} as avg_agent_talk_share,
        {{ exact_avg('silence_share') }} as avg_silence_share,
        {{ exact_avg('dead_air_share') }} as avg_dead_air_share,
        {{ exact_avg('dead_air_s') }} as avg_dead_air_s,
        avg(overtalk_count) as avg_overtalk_count,
        avg(agent_interruptions) as avg_agent_interruptions,
        {{ exact_avg('agent_words_per_minute') }} as avg_agent_words_per_minute,
        {{ exact_avg('time_to_first_agent_word_s') }} as avg_time_to_first_agent_word_s,
        sum(long_hold_count) as long_holds
{%- endmacro %}

{#- Coverage: calls scored / calls received (null when none was received). -#}
{% macro coverage_rate(scored_calls, received_calls) -%}
    {{ scored_calls }} / nullif({{ received_calls }}, 0)
{%- endmacro %}

{#- Share of verdicts sent to human review: flagged / all AI verdicts (null when none). -#}
{% macro review_share(verdicts_sent_to_review, verdicts) -%}
    {{ verdicts_sent_to_review }} / nullif({{ verdicts }}, 0)
{%- endmacro %}

{#-
    Per group of criterion verdicts (rows of fct_criterion_verdicts): final verdicts met of the
    applicable ones (N/A removed, verdicts waiting for a person left out).
-#}
{% macro compliance_measures() -%}
        count(*) as verdicts,
        count(*) filter (where is_kpi_eligible and final_verdict <> 'na') as applicable_verdicts,
        count(*) filter (where is_kpi_eligible and final_verdict = 'met') as met_verdicts,
        count(*) filter (where not is_kpi_eligible) as verdicts_pending_review,
        count(*) filter (where is_kpi_eligible and final_verdict = 'met')
            / nullif(count(*) filter (where is_kpi_eligible and final_verdict <> 'na'), 0)
            as compliance_rate
{%- endmacro %}

{#-
    AI-vs-human calibration per group of verdicts a person reviewed (human_verdict not null):
    agreement p_o = agreeing / reviewed, chance agreement p_e = sum over labels of
    p_ai(label) x p_human(label), Cohen's kappa = (p_o - p_e) / (1 - p_e), null when p_e = 1.
    Rates rounded to 4 decimals. The AI's verdict is one of `labels` (a check constraint of
    fct_criterion_verdicts), so a label outside them has p_ai = 0 and adds nothing to p_e.
    Reference: transforms/review/calibration.py.
-#}
{% macro calibration_measures(labels=('met', 'not_met', 'na')) -%}
    {%- set n = 'cast(count(*) as double)' -%}
    {%- set agreeing = 'cast(count(*) filter (where ai_verdict = human_verdict) as double)' -%}
    {%- set products = [] -%}
    {%- for label in labels -%}
        {%- do products.append(
            "cast(count(*) filter (where ai_verdict = '" ~ label ~ "') as double)"
            ~ " * count(*) filter (where human_verdict = '" ~ label ~ "')"
        ) -%}
    {%- endfor -%}
    {%- set chance = '(' ~ products | join(' + ') ~ ')' -%}
        cast(count(*) as integer) as reviewed_verdicts,
        cast(count(*) filter (where ai_verdict = human_verdict) as integer) as agreeing_verdicts,
        round({{ agreeing }} / {{ n }}, 4) as agreement_rate,
        round({{ chance }} / ({{ n }} * {{ n }}), 4) as chance_agreement,
        case
            when {{ chance }} = {{ n }} * {{ n }} then null
            else round(
                ({{ agreeing }} / {{ n }} - {{ chance }} / ({{ n }} * {{ n }}))
                / (1 - {{ chance }} / ({{ n }} * {{ n }})),
                4
            )
        end as cohens_kappa
{%- endmacro %}
