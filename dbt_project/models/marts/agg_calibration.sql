{#-
    AI-vs-human calibration per criterion and scorecard version.
    Cohen's kappa = (p_o - p_e) / (1 - p_e): p_o the share of calls where the AI verdict equals
    the latest human verdict, p_e = sum over labels of p_ai(label) * p_human(label). Null when
    p_e = 1 (one label only on both sides). Reference: transforms/review/calibration.py.
-#}
with

verdicts as (

    select * from {{ ref('fct_criterion_verdicts') }}

),

pairs as (

    select
        tenant_id,
        scorecard_id,
        scorecard_version,
        criterion_id,
        ai_verdict,
        human_verdict

    from verdicts
    where human_verdict is not null

),

totals as (

    select
        tenant_id,
        scorecard_id,
        scorecard_version,
        criterion_id,
        cast(count(*) as double) as reviewed_verdicts,
        cast(count(*) filter (where ai_verdict = human_verdict) as double) as agreeing_verdicts

    from pairs
    group by all

),

ai_labels as (

    select tenant_id, scorecard_id, scorecard_version, criterion_id, ai_verdict as label, count(*) as n
    from pairs
    group by all

),

human_labels as (

    select tenant_id, scorecard_id, scorecard_version, criterion_id, human_verdict as label, count(*) as n
    from pairs
    group by all

),

-- sum over labels of n_ai(label) * n_human(label); divided by n^2 it is p_e
chance as (

    select
        ai_labels.tenant_id,
        ai_labels.scorecard_id,
        ai_labels.scorecard_version,
        ai_labels.criterion_id,
        sum(cast(ai_labels.n * human_labels.n as double)) as chance_products

    from ai_labels
    inner join human_labels
        on ai_labels.tenant_id = human_labels.tenant_id
        and ai_labels.scorecard_id = human_labels.scorecard_id
        and ai_labels.scorecard_version = human_labels.scorecard_version
        and ai_labels.criterion_id = human_labels.criterion_id
        and ai_labels.label = human_labels.label
    group by all

),

final as (

    select

        ---------- grain
        totals.tenant_id,
        totals.scorecard_id,
        totals.scorecard_version,
        totals.criterion_id,

        ---------- measures
        cast(totals.reviewed_verdicts as integer) as reviewed_verdicts,
        cast(totals.agreeing_verdicts as integer) as agreeing_verdicts,
        round(totals.agreeing_verdicts / totals.reviewed_verdicts, 4) as agreement_rate,
        round(coalesce(chance.chance_products, 0) / (totals.reviewed_verdicts * totals.reviewed_verdicts), 4) as chance_agreement,
        case
            when coalesce(chance.chance_products, 0) = totals.reviewed_verdicts * totals.reviewed_verdicts then null
            else round((
                totals.agreeing_verdicts / totals.reviewed_verdicts
                - coalesce(chance.chance_products, 0) / (totals.reviewed_verdicts * totals.reviewed_verdicts)
            ) / (1 - coalesce(chance.chance_products, 0) / (totals.reviewed_verdicts * totals.reviewed_verdicts)), 4)
        end as cohens_kappa

    from totals
    left join chance
        on totals.tenant_id = chance.tenant_id
        and totals.scorecard_id = chance.scorecard_id
        and totals.scorecard_version = chance.scorecard_version
        and totals.criterion_id = chance.criterion_id

)

select * from final
