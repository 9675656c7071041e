"""``ccr kpis``: what the pipeline holds, and the KPIs of the published tenant databases.

The KPI lines print columns of the marts as they are (``agg_tenant_kpis``, ``agg_agent_kpis``):
this module selects and orders rows, it never computes a KPI (each is defined once, in dbt;
``tests/unit/kpis/test_one_definition.py`` fails on an aggregate here). Agents are listed in the
order of ``agg_agent_kpis.score_rank``, their mean QA score after human review: the ranking of
the tenant's HTML report. The pipeline lines count rows of the Delta tables (calls ingested,
quarantined, transcribed, the transcription's speed): the state of the pipeline, not KPIs, and
they read no mart. The KPIs come under the report's notice (``transforms.kpis.notices``): the
scores can be wrong and carry bias, a person validates any decision about an employee, and the
verdicts still waiting for a reviewer are columns of their own.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from transforms.core.settings import Settings

#: The marts ``ccr kpis`` prints, and the columns, in the order it prints them.
TENANT_COLUMNS = (
    "tenant_id", "calls_received", "calls", "coverage_rate", "avg_final_score",
    "final_pass_rate", "critical_fail_rate", "cohens_kappa", "verdicts_pending_review",
    "disputes_open",
)  # fmt: skip
AGENT_COLUMNS = (
    "tenant_id", "score_rank", "agent_id", "calls_with_final_score", "avg_final_score",
    "final_pass_rate", "avg_ai_score", "verdicts_pending_review", "disputes_open",
)  # fmt: skip


def register(sub: Any) -> None:
    kpis = sub.add_parser("kpis", help="print the KPI summary of the published tenant databases")
    kpis.set_defaults(handler=kpis_command)


def kpis_command(settings: Settings, args: argparse.Namespace) -> int:
    print(summary(settings))
    return 0


def quarantine_lines(quarantine: Any) -> list[str]:
    """One line per quarantine row; file names masked (rows stored before masking, too)."""
    from transforms.ingest.names import display

    return [
        f"  quarantined {row['tenant_id']}/{display(row['file_name'])}: {row['reason']}"
        for row in quarantine.sort("file_name").iter_rows(named=True)
    ]


def summary(settings: Settings) -> str:
    """A short summary, for the operator: the lakehouse, then every tenant's published KPIs."""
    lines = pipeline_lines(settings) + kpi_lines(settings.warehouse)
    lines.append(f"Delta tables: {settings.lakehouse}/{{bronze,silver}}/…")
    return "\n".join(lines)


def pipeline_lines(settings: Settings) -> list[str]:
    """Rows of the Delta tables: calls ingested and quarantined, transcripts and their speed."""
    from transforms.core.lakehouse import Lakehouse
    from transforms.core.tables import CALLS, QUARANTINE, TRANSCRIPTS

    lh = Lakehouse.from_settings(settings)
    transcripts = lh.read(TRANSCRIPTS)
    audio_s = transcripts["duration_s"].sum() if transcripts.height else 0.0
    rtf = audio_s / transcripts["transcribe_seconds"].sum() if transcripts.height else 0.0
    quarantine = lh.read(QUARANTINE)
    return [
        f"bronze.calls: {lh.read(CALLS).height} calls; bronze.quarantine: {quarantine.height} rows",
        *quarantine_lines(quarantine),
        f"silver.transcripts: {transcripts.height} calls, {audio_s / 60:.1f} audio min, "
        f"transcription real-time factor {rtf:.1f}x",
    ]


def kpi_lines(warehouse: str | Path) -> list[str]:
    """Every tenant's headline KPIs and its agents in ranking order, from the published files."""
    import duckdb
    import polars as pl

    from transforms.kpis import notices
    from transforms.kpis.publish import all_tenants

    tenants_dir = f"{warehouse}/tenants"
    with duckdb.connect() as con:  # every tenant's published file, attached read-only
        tenants = all_tenants(con, warehouse)
        views = {r[0] for r in con.execute("select view_name from duckdb_views()").fetchall()}
        if not tenants or not {"agg_tenant_kpis", "agg_agent_kpis"} <= views:
            return [
                f"KPIs: no published tenant database with agg_tenant_kpis in {tenants_dir} yet: "
                "`ccr run` (or the kpi_job) builds and publishes them"
            ]
        headline = con.sql(
            f"select {', '.join(TENANT_COLUMNS)} from agg_tenant_kpis order by tenant_id"
        ).pl()
        agents = con.sql(
            f"select {', '.join(AGENT_COLUMNS)} from agg_agent_kpis "
            "order by tenant_id, score_rank nulls last, agent_id"
        ).pl()
    lines = [notices.as_text()]
    with pl.Config(
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_formatting="MARKDOWN",
        float_precision=2,
        tbl_rows=-1,
        tbl_cols=-1,  # every column: an elided one would hide a KPI or what waits for a person
        tbl_width_chars=300,
    ):
        lines.append(
            "KPIs per tenant (agg_tenant_kpis; scores after human review; "
            "verdicts_pending_review: AI verdicts waiting for a reviewer, left out of the scores):"
        )
        lines.append(str(headline))
        lines.append(
            "Agents by their rank on the mean QA score after human review "
            "(agg_agent_kpis.score_rank, as in the report; avg_ai_score for comparison):"
        )
        lines.append(str(agents))
    lines.append(
        f"Published for BI, one read-only database and report per tenant ({', '.join(tenants)}): "
        f"{tenants_dir}/<tenant>.duckdb, .html"
    )
    return lines
