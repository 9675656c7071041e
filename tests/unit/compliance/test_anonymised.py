"""Anonymised statistics: no cell with fewer contributors than the thresholds, none derivable."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from transforms.compliance import anonymised
from transforms.compliance.anonymised import Thresholds, campaign_type, statistics
from transforms.core.settings import REPO_ROOT

NOW = datetime(2027, 1, 2, tzinfo=UTC)
TYPES = anonymised.load_campaign_types(REPO_ROOT / "config" / "taxonomies", "acme")


def fct_calls(n: int, agents: int, tenant: str = "acme", language=lambda i: "en") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "call_uid": [f"{tenant}-{i}" for i in range(n)],
            "tenant_id": tenant,
            "agent_id": [f"a{i % agents}" for i in range(n)],
            "call_date": date(2026, 11, 5),
            "duration_s": [100.0 + 10 * i for i in range(n)],
            "language": [language(i) for i in range(n)],
            "campaign": "billing-support",
            "final_score": [60.0 + (i % 40) for i in range(n)],
            "final_passed": [i % 3 != 0 for i in range(n)],
        }
    )


def verdicts(calls: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "call_uid": calls["call_uid"],
            "criterion_id": "greeting",
            "final_verdict": ["met" if i % 4 else "not_met" for i in range(calls.height)],
            "is_kpi_eligible": True,
        }
    )


def compute(calls: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    return statistics(
        calls,
        verdicts(calls),
        ["2026-11"],
        lambda tenant, campaign: campaign_type(campaign, TYPES),
        Thresholds(),
        NOW,
    )


def test_every_published_cell_has_at_least_20_calls_and_5_agents():
    calls = pl.concat([fct_calls(60, 8), fct_calls(30, 6, tenant="globex")])
    cells, withheld = compute(calls)
    assert cells.height > 0 and withheld > 0
    assert cells["calls"].min() >= 20 and cells["agents"].min() >= 5
    month = cells.filter(pl.col("dimension") == "all").row(0, named=True)
    assert month["calls"] == 90 and month["agents"] == 14  # agents are counted per tenant
    assert month["pass_rate"] == pytest.approx(calls["final_passed"].mean())
    criterion = cells.filter(pl.col("dimension") == "criterion").row(0, named=True)
    assert criterion["compliance_rate"] == pytest.approx(0.75, abs=0.02)


def test_cells_carry_no_identifier_and_no_free_text():
    cells, _ = compute(fct_calls(60, 8))
    text = " ".join(str(v) for row in cells.iter_rows() for v in row)
    for identifier in ("acme", "a1", "billing-support", "acme-3"):
        assert identifier not in text.split()
    assert set(cells.columns) >= {"month", "dimension", "dimension_value", "calls", "agents"}
    assert "tenant_id" not in cells.columns and "agent_id" not in cells.columns
    assert set(cells.filter(pl.col("dimension") == "campaign_type")["dimension_value"]) <= set(
        anonymised.CAMPAIGN_TYPES
    )


def test_a_small_cell_cannot_be_computed_as_the_month_minus_the_others():
    # 25 English calls by 6 agents, 3 French calls by 1 agent: French alone is withheld, and
    # English must go too, or French = month - English
    calls = fct_calls(28, 7, language=lambda i: "fr" if i >= 25 else "en")
    cells, _ = compute(calls)
    languages = cells.filter(pl.col("dimension") == "language")
    assert languages.is_empty()
    assert cells.filter(pl.col("dimension") == "all").height == 1


def test_an_empty_month_or_a_tiny_one_publishes_nothing():
    cells, withheld = compute(fct_calls(10, 3))
    assert cells.is_empty() and withheld > 0


def test_only_closed_months_not_yet_computed():
    calls = fct_calls(3, 1).with_columns(
        call_date=pl.Series([date(2026, 10, 30), date(2026, 11, 2), date(2026, 12, 1)])
    )
    assert anonymised.closed_months(calls, date(2026, 12, 1), set()) == ["2026-10", "2026-11"]
    assert anonymised.closed_months(calls, date(2026, 12, 1), {"2026-10"}) == ["2026-11"]


def test_campaign_names_map_onto_a_fixed_vocabulary():
    assert campaign_type("winter-offer", TYPES) == "retention"
    assert campaign_type("fibre-upgrade", TYPES) == "sales"
    assert campaign_type("Billing-Support", TYPES) == "billing"
    assert campaign_type("acme-secret-project", TYPES) == "other"
    assert campaign_type(None, TYPES) == "other"
