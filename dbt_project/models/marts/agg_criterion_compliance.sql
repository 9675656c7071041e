with

changed_days as (

    select * from {{ ref('int_calls__changed_periods') }}
    where period = 'day'

),

-- the verdicts of the days this run recomputes (every day on a full build)
verdicts as (

    select fct_criterion_verdicts.*
    from {{ ref('fct_criterion_verdicts') }} as fct_criterion_verdicts
    inner join changed_days
        on fct_criterion_verdicts.tenant_id = changed_days.tenant_id
        and fct_criterion_verdicts.call_date = changed_days.period_start

),

final as (

    select

        ---------- grain
        tenant_id,
        scorecard_id,
        scorecard_version,
        criterion_id,
        call_date,

        ---------- criterion
        max(criterion_name) as criterion_name,
        bool_or(is_critical) as is_critical,

        ---------- counts and KPI (final verdicts; a verdict waiting for a person does not
        ---------- count yet): macros/kpi_measures.sql
        {{ compliance_measures() }}

    from verdicts
    group by tenant_id, scorecard_id, scorecard_version, criterion_id, call_date

)

select * from final
