{#-
    The tenant's QA score, pass rate and review queue by week of the call: the report's trend
    charts. Formulas: macros/kpi_measures.sql. A table rebuilt each time (a row per tenant and
    week, from one pass over fct_calls).
-#}
with

calls as (

    select * from {{ ref('fct_calls') }}

),

weekly as (

    select
        tenant_id,
        cast(date_trunc('week', call_date) as date) as week_start,
        {{ scored_call_measures() }}

    from calls
    group by tenant_id, cast(date_trunc('week', call_date) as date)

),

final as (

    select

        ---------- grain
        tenant_id,
        week_start,

        ---------- volume
        calls,
        calls_with_final_score,

        ---------- quality
        avg_final_score,
        final_pass_rate,
        critical_fail_rate,
        avg_ai_score,

        ---------- review queue (verdicts of the week's calls)
        verdicts,
        verdicts_sent_to_review,
        verdicts_sent_to_review - verdicts_pending_review as verdicts_sent_to_review_decided,
        verdicts_pending_review,
        {{ review_share('verdicts_sent_to_review', 'verdicts') }} as review_share,
        disputes_open

    from weekly

)

select * from final
