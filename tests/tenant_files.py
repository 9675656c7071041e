"""Checks of a published tenant database: no row of another tenant, in any table or column."""

from __future__ import annotations

from pathlib import Path

import duckdb


def tenant_rows(database: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table of ``database``: its column names and rows."""
    with duckdb.connect(str(database), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()]
        return {
            n: (
                [d[0] for d in con.execute(f"select * from {n} limit 0").description],
                con.execute(f"select * from {n}").fetchall(),
            )
            for n in names
        }


def assert_only_its_own_rows(
    database: Path, tenant: str, calls_of: dict[str, str], agents: set[tuple[str, str]]
) -> None:
    """Every table, every column of ``database``: no other tenant's id, call or agent.

    ``calls_of``: call_uid -> tenant of every call; ``agents``: (tenant, agent_id) pairs.
    """
    foreign_calls = {c for c, t in calls_of.items() if t != tenant}
    own_agents = {a for t, a in agents if t == tenant}
    foreign_agents = {a for t, a in agents if t != tenant} - own_agents
    for table, (columns, rows) in tenant_rows(database).items():
        for i, column in enumerate(columns):
            values = {r[i] for r in rows}
            if column == "tenant_id":
                assert values <= {tenant}, (table, values)
            if column == "call_uid":
                assert not values & foreign_calls, (table, values & foreign_calls)
            if column == "agent_id":
                assert not values & foreign_agents, (table, values & foreign_agents)
