{#-
    Each criterion's compliance and AI-vs-human calibration over every call the database holds,
    scorecard versions pooled (a criterion keeps its id across the versions of its scorecard):
    the report's compliance and calibration charts. Formulas: macros/kpi_measures.sql.
-#}
with

verdicts as (

    select * from {{ ref('fct_criterion_verdicts') }}

),

compliance as (

    select
        tenant_id,
        scorecard_id,
        criterion_id,
        -- label and criticality as the latest version scored states them
        arg_max(criterion_name, {{ version_sort_key('scorecard_version') }}) as criterion_name,
        arg_max(is_critical, {{ version_sort_key('scorecard_version') }}) as is_critical,
        count(distinct scorecard_version) as scorecard_versions,
        {{ compliance_measures() }}

    from verdicts
    group by tenant_id, scorecard_id, criterion_id

),

calibration as (

    select
        tenant_id,
        scorecard_id,
        criterion_id,
        {{ calibration_measures() }}

    from verdicts
    where human_verdict is not null
    group by tenant_id, scorecard_id, criterion_id

),

final as (

    select

        ---------- grain
        compliance.tenant_id,
        compliance.scorecard_id,
        compliance.criterion_id,

        ---------- criterion
        compliance.criterion_name,
        compliance.is_critical,
        compliance.scorecard_versions,

        ---------- compliance (final verdicts)
        compliance.verdicts,
        compliance.applicable_verdicts,
        compliance.met_verdicts,
        compliance.verdicts_pending_review,
        compliance.compliance_rate,

        ---------- AI against people (reviewed verdicts)
        coalesce(calibration.reviewed_verdicts, 0) as reviewed_verdicts,
        coalesce(calibration.agreeing_verdicts, 0) as agreeing_verdicts,
        calibration.agreement_rate,
        calibration.chance_agreement,
        calibration.cohens_kappa

    from compliance
    left join calibration
        on compliance.tenant_id = calibration.tenant_id
        and compliance.scorecard_id = calibration.scorecard_id
        and compliance.criterion_id = calibration.criterion_id

)

select * from final
