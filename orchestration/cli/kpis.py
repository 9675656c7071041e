"""``ccr kpis``: the KPI summary of the published tenant databases, for the operator."""

from __future__ import annotations

import argparse
from typing import Any

from transforms.core.settings import Settings


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
    """A short KPI summary, for the operator: every tenant's published file and the lakehouse."""
    import duckdb
    import polars as pl

    from transforms.core.lakehouse import Lakehouse
    from transforms.core.tables import CALLS, QUARANTINE, TRANSCRIPTS
    from transforms.kpis.publish import all_tenants

    lh = Lakehouse.from_settings(settings)
    transcripts = lh.read(TRANSCRIPTS)
    rtf = (
        transcripts["duration_s"].sum() / transcripts["transcribe_seconds"].sum()
        if transcripts.height
        else 0.0
    )
    quarantine = lh.read(QUARANTINE)
    lines = [
        f"bronze.calls: {lh.read(CALLS).height} calls; bronze.quarantine: {quarantine.height} rows",
    ]
    lines += quarantine_lines(quarantine)
    lines.append(
        f"silver.transcripts: {transcripts.height} calls, "
        f"{transcripts['duration_s'].sum() / 60 if transcripts.height else 0:.1f} audio min, "
        f"transcription real-time factor {rtf:.1f}x"
    )
    with duckdb.connect() as con:  # every tenant's published file, attached read-only
        tenants = all_tenants(con, settings.warehouse)
        agents = con.sql(
            "select tenant_id, agent_id, sum(calls)::int as calls, "
            "round(sum(avg_score * calls) / sum(calls), 1) as avg_score, "
            "round(sum(pass_rate * calls) / sum(calls), 2) as pass_rate "
            "from agg_agent_daily group by all order by all"
        ).pl()
        n_calls = con.execute("select count(*) from fct_calls").fetchone()[0]
    lines.append(f"KPIs: fct_calls {n_calls} rows; per agent:")
    with pl.Config(
        tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True, tbl_formatting="MARKDOWN"
    ):
        lines.append(str(agents))
    tenants_dir = f"{settings.warehouse}/tenants"
    lines.append(
        f"Published for BI, one read-only database and report per tenant ({', '.join(tenants)}): "
        f"{tenants_dir}/<tenant>.duckdb, .html"
    )
    lines.append(f"Delta tables: {settings.lakehouse}/{{bronze,silver}}/…")
    return "\n".join(lines)
