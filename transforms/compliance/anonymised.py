"""Anonymised statistics: call quality by month that may be kept once the tenants' data is gone.

Computed from the published KPI marts (so "which score counts" is decided in one place, dbt),
by calendar month and one generalised dimension at a time: duration band, score band, language,
campaign type, criterion (compliance rate), and the month as a whole. No tenant, agent, call or
caller identifier and no free text: a campaign is reduced to a type from a fixed vocabulary
(``CAMPAIGN_TYPES``), through keywords in the taxonomy file, so a tenant's own campaign names
never appear.

Disclosure control:

- a cell is published only with at least ``min_calls`` calls and ``min_agents`` distinct agents
  (settings ``CCR_ANON_MIN_CALLS``, ``CCR_ANON_MIN_AGENTS``; 20 and 5);
- complementary suppression: the cells of one dimension add up to the month, so if the cells
  withheld in a dimension would together fall below the thresholds, more cells are withheld
  (smallest first) until they do not: no withheld cell can be computed as month minus the rest;
- a month is computed once, after it has closed, and never again: a later purge (or late data)
  changes no published cell, so comparing the statistics before and after a tenant is deleted
  reveals nothing about it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from transforms.core.yaml_files import read_yaml

#: The generalised campaign types (and "other"); a taxonomy maps its campaigns onto these.
CAMPAIGN_TYPES = ("sales", "retention", "billing", "support", "other")
DURATION_BANDS = ((120.0, "under 2 min"), (300.0, "2-5 min"), (600.0, "5-10 min"))
SCORE_BANDS = ((50.0, "under 50"), (70.0, "50-70"), (85.0, "70-85"))
#: Dimensions whose cells add up to the month's total (complementary suppression applies).
ADDITIVE = ("duration_band", "score_band", "language", "campaign_type")
TABLE = "anonymised_statistics"


@dataclass(frozen=True)
class Thresholds:
    min_calls: int = 20
    min_agents: int = 5


def load_campaign_types(folder: str | Path, tenant_id: str) -> dict[str, tuple[str, ...]]:
    """``campaign_types`` of the tenant's taxonomy (``<tenant>.yaml``, else ``default.yaml``):
    type -> keywords, in the file's order (the first type whose keyword a campaign name contains
    wins)."""
    base = Path(folder)
    path = base / f"{tenant_id}.yaml"
    if not path.exists():
        path = base / "default.yaml"
    raw = (read_yaml(path) or {}).get("campaign_types") or {}
    unknown = [t for t in raw if t not in CAMPAIGN_TYPES]
    if unknown:
        raise ValueError(f"{path}: campaign_types: types must be among {CAMPAIGN_TYPES}")
    return {t: tuple(str(k).lower() for k in words or ()) for t, words in raw.items()}


def campaign_type(campaign: str | None, types: Mapping[str, tuple[str, ...]]) -> str:
    name = (campaign or "").lower()
    return next((t for t, words in types.items() if any(w in name for w in words)), "other")


def _band(value: float | None, bands: tuple[tuple[float, str], ...], top: str) -> str:
    if value is None:
        return "none"
    return next((label for limit, label in bands if value < limit), top)


def closed_months(calls: pl.DataFrame, as_of: date, done: set[str]) -> list[str]:
    """Months with calls that have ended before ``as_of`` and are not computed yet."""
    current = f"{as_of:%Y-%m}"
    found = (
        set(calls["call_date"].dt.strftime("%Y-%m").unique().to_list()) if calls.height else set()
    )
    return sorted(m for m in found if m < current and m not in done)


def statistics(
    calls: pl.DataFrame,
    verdicts: pl.DataFrame,
    months: list[str],
    type_of: Callable[[str, str | None], str],
    limits: Thresholds,
    computed_at: datetime,
) -> tuple[pl.DataFrame, int]:
    """The published cells of ``months`` and how many cells were withheld.

    ``calls``: fct_calls (tenant_id, agent_id, call_uid, call_date, duration_s, language,
    campaign, final_score, final_passed); ``verdicts``: fct_criterion_verdicts (call_uid,
    criterion_id, final_verdict, is_kpi_eligible).
    """
    calls = _generalise(calls, type_of).filter(pl.col("month").is_in(months))
    cells = [_cells(calls, "all", pl.lit("*"))]
    for dimension in ADDITIVE:
        cells.append(_cells(calls, dimension, pl.col(dimension)))
    cells.append(_criterion_cells(calls, verdicts))
    every = pl.concat(cells, how="diagonal_relaxed")
    published = _suppress(every, limits)
    withheld = every.height - published.height
    out = published.with_columns(
        cell_id=pl.concat_str("month", "dimension", "dimension_value", separator="|").map_elements(
            lambda k: hashlib.sha256(k.encode()).hexdigest()[:32], return_dtype=pl.String
        ),
        computed_at=pl.lit(computed_at),
    )
    return out.drop("agent_set"), withheld


def _generalise(calls: pl.DataFrame, type_of: Callable[[str, str | None], str]) -> pl.DataFrame:
    """Months, bands, language and campaign type; the agent as an opaque tenant-scoped key."""
    return calls.select(
        "call_uid",
        pl.col("call_date").dt.strftime("%Y-%m").alias("month"),
        pl.concat_str("tenant_id", "agent_id", separator="/").alias("agent"),
        pl.col("duration_s")
        .map_elements(lambda v: _band(v, DURATION_BANDS, "10 min or more"), return_dtype=pl.String)
        .alias("duration_band"),
        pl.col("final_score")
        .map_elements(lambda v: _band(v, SCORE_BANDS, "85 or more"), return_dtype=pl.String)
        .alias("score_band"),
        pl.col("language").fill_null("unknown"),
        pl.struct("tenant_id", "campaign")
        .map_elements(lambda r: type_of(r["tenant_id"], r["campaign"]), return_dtype=pl.String)
        .alias("campaign_type"),
        "final_score",
        "final_passed",
    )


def _cells(calls: pl.DataFrame, dimension: str, value: pl.Expr) -> pl.DataFrame:
    return (
        calls.with_columns(dimension_value=value)
        .group_by("month", "dimension_value")
        .agg(
            calls=pl.len(),
            agents=pl.col("agent").n_unique(),
            agent_set=pl.col("agent").unique(),
            pass_rate=pl.col("final_passed").cast(pl.Float64).mean(),
            avg_score=pl.col("final_score").mean(),
        )
        .with_columns(dimension=pl.lit(dimension))
    )


def _criterion_cells(calls: pl.DataFrame, verdicts: pl.DataFrame) -> pl.DataFrame:
    """Per criterion: the share of applicable, KPI-eligible final verdicts that are met."""
    counted = verdicts.filter(pl.col("is_kpi_eligible") & (pl.col("final_verdict") != "na"))
    return (
        counted.join(calls.select("call_uid", "month", "agent"), on="call_uid")
        .group_by("month", pl.col("criterion_id").alias("dimension_value"))
        .agg(
            calls=pl.col("call_uid").n_unique(),
            agents=pl.col("agent").n_unique(),
            agent_set=pl.col("agent").unique(),
            compliance_rate=(pl.col("final_verdict") == "met").cast(pl.Float64).mean(),
        )
        .with_columns(dimension=pl.lit("criterion"))
    )


def _suppress(cells: pl.DataFrame, limits: Thresholds) -> pl.DataFrame:
    """Primary suppression, then complementary suppression within each additive dimension."""
    ok = (pl.col("calls") >= limits.min_calls) & (pl.col("agents") >= limits.min_agents)
    cells = cells.with_columns(published=ok)
    keep = []
    for (_month, dimension), group in cells.group_by("month", "dimension", maintain_order=True):
        rows = group.sort("calls").to_dicts()
        if dimension in ADDITIVE:
            _complement(rows, limits)
        keep += [r for r in rows if r["published"]]
    columns = [c for c in cells.columns if c != "published"]
    return (
        pl.DataFrame(keep, schema={c: cells.schema[c] for c in columns})
        if keep
        else cells.clear().drop("published")
    )


def _complement(rows: list[dict], limits: Thresholds) -> None:
    """Withhold the smallest published cells until the withheld ones, together, meet the
    thresholds (or nothing is published): their total is then no small group's."""

    def withheld() -> tuple[int, int]:
        gone = [r for r in rows if not r["published"]]
        agents = set().union(*(set(r["agent_set"]) for r in gone)) if gone else set()
        return sum(r["calls"] for r in gone), len(agents)

    calls, agents = withheld()
    while calls and (calls < limits.min_calls or agents < limits.min_agents):
        smallest = next((r for r in rows if r["published"]), None)
        if smallest is None:
            return
        smallest["published"] = False
        calls, agents = withheld()
