{#-
    AI-vs-human calibration per criterion and scorecard version: agreement, chance agreement and
    Cohen's kappa over the verdicts a person reviewed (formulas: macros/kpi_measures.sql,
    calibration_measures).
-#}
with

verdicts as (

    select * from {{ ref('fct_criterion_verdicts') }}

),

final as (

    select

        ---------- grain
        tenant_id,
        scorecard_id,
        scorecard_version,
        criterion_id,

        ---------- measures
        {{ calibration_measures() }}

    from verdicts
    where human_verdict is not null
    group by tenant_id, scorecard_id, scorecard_version, criterion_id

)

select * from final
