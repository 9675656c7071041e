"""What a personal-data breach notification needs (DPA §12), counted from the lakehouse.

Given the tables exposed and a window of call start times: the data categories (from the
contracts), the data subjects (callers by pseudonym, agents), the calls and tenants touched and
the records per table. Counts only: nothing personal leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from transforms.core.contracts import Contract
from transforms.core.lakehouse import Lakehouse
from transforms.core.tables import CALLS, from_contract


@dataclass(frozen=True)
class BreachFacts:
    tables: list[str]
    tenants: list[str]
    since: datetime
    until: datetime
    data_categories: list[str]
    calls: int
    callers: int
    agents: int
    calls_without_caller_key: int
    records: dict[str, int]

    @property
    def data_subjects(self) -> int:
        # A call without a caller pseudonym may be a distinct person: counted as one (upper bound).
        return self.callers + self.agents + self.calls_without_caller_key

    def as_dict(self) -> dict[str, Any]:
        return {
            "tables": self.tables,
            "tenants_affected": self.tenants,
            "window": {"since": self.since.isoformat(), "until": self.until.isoformat()},
            "data_categories": self.data_categories,
            "data_subjects": self.data_subjects,
            "callers": self.callers,
            "agents": self.agents,
            "calls_without_caller_key": self.calls_without_caller_key,
            "calls": self.calls,
            "records_by_table": self.records,
        }


def breach_facts(
    lakehouse: Lakehouse,
    contracts: dict[str, Contract],
    tables: list[str],
    tenants: list[str] | None,
    since: datetime,
    until: datetime,
) -> BreachFacts:
    """Who and what a breach of ``tables`` for calls started in [since, until) touches.

    People are counted from bronze.calls: distinct caller pseudonyms and agents per tenant (a
    pseudonym is per tenant, so the same number at two tenants counts twice, as it should).
    """
    unknown = [t for t in tables if t not in contracts or contracts[t].layer == "marts"]
    if unknown:
        lake = sorted(n for n, c in contracts.items() if c.layer != "marts")
        raise ValueError(f"not lakehouse tables: {unknown}; choose from {lake}")
    calls = lakehouse.read(
        CALLS, columns=["call_uid", "tenant_id", "agent_id", "caller_key", "started_at"]
    ).filter((pl.col("started_at") >= since) & (pl.col("started_at") < until))
    if tenants:
        calls = calls.filter(pl.col("tenant_id").is_in(tenants))
    touched: set[str] = set()
    records: dict[str, int] = {}
    for name in tables:
        spec = from_contract(name)
        rows = lakehouse.read(spec)
        if "call_uid" in rows.columns:
            rows = rows.join(calls.select("call_uid"), on="call_uid")
        elif "tenant_id" in rows.columns:
            rows = rows.filter(pl.col("tenant_id").is_in(calls["tenant_id"].unique().to_list()))
        records[name] = rows.height
        if "call_uid" in rows.columns:
            touched |= set(rows["call_uid"].unique().to_list())
    hit = calls.filter(pl.col("call_uid").is_in(list(touched)))
    per_tenant = hit.group_by("tenant_id").agg(
        pl.col("caller_key").drop_nulls().n_unique().alias("callers"),
        pl.col("agent_id").n_unique().alias("agents"),
        pl.col("caller_key").is_null().sum().alias("anonymous"),
    )
    categories = sorted(
        {
            col.data_category
            for name in tables
            for col in contracts[name].columns
            if col.personal and col.data_category != "technical metadata"
        }
    )
    return BreachFacts(
        tables=tables,
        tenants=sorted(hit["tenant_id"].unique().to_list()),
        since=since,
        until=until,
        data_categories=categories,
        calls=hit.height,
        callers=int(per_tenant["callers"].sum() or 0),
        agents=int(per_tenant["agents"].sum() or 0),
        calls_without_caller_key=int(per_tenant["anonymous"].sum() or 0),
        records=records,
    )


def format_breach(facts: BreachFacts) -> str:
    """The facts as a notification draft a DPO completes (text, for the terminal)."""
    d = facts.as_dict()
    lines = [
        "Personal data breach: facts for the notification to the controller (DPA §12)",
        f"  window (call start):   {d['window']['since']} .. {d['window']['until']}",
        f"  tables:                {', '.join(d['tables'])}",
        f"  tenants affected:      {', '.join(d['tenants_affected']) or 'none'}",
        f"  data categories:       {', '.join(d['data_categories'])}",
        f"  data subjects:         {d['data_subjects']} (callers {d['callers']} by pseudonym, "
        f"agents {d['agents']}, calls without caller number {d['calls_without_caller_key']})",
        f"  calls:                 {d['calls']}",
        "  records by table:      "
        + ", ".join(f"{k} {v}" for k, v in d["records_by_table"].items()),
        "  to be completed by the processor's DPO: nature of the breach, likely consequences,",
        "  measures taken; notify the controller without undue delay (it has 72 h for the CNIL).",
    ]
    return "\n".join(lines)
