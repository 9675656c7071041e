"""The report's page is drawn from the marts' rows alone: which agents it ranks and how, what a
tenant before its first call sees. The tables are made from the marts' data contracts (the
columns dbt builds), filled by hand; tests/dbt/test_published.py does the same on a real build."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import duckdb
import pytest

from transforms.core.contracts import load_contracts
from transforms.kpis.report import RANKED_AGENTS, read_report, render, write_report

MARTS = (
    "agg_tenant_kpis",
    "agg_tenant_weekly",
    "agg_agent_kpis",
    "agg_criterion_kpis",
    "agg_conversation_distribution",
)


def _database(path, rows: dict[str, list[dict]]):
    contracts = load_contracts()
    with duckdb.connect(str(path)) as con:
        for mart in MARTS:
            columns = contracts[f"marts.{mart}"].columns
            con.execute(
                f"create table {mart} ("
                + ", ".join(f"{c.name} {c.physical_type}" for c in columns)
                + ")"
            )
            for row in rows.get(mart, []):
                names = [c.name for c in columns]
                con.execute(
                    f"insert into {mart} values ({', '.join('?' for _ in names)})",
                    [row.get(n) for n in names],
                )
    return path


def _agents(n: int, tenant: str = "t") -> list[dict]:
    """n ranked agents, a1 the best, and one without a QA score yet."""
    ranked = [
        {"tenant_id": tenant, "agent_id": f"a{i}", "score_rank": i, "agents_ranked": n,
         "calls": 3, "calls_with_final_score": 2, "avg_final_score": 100.0 - i}
        for i in range(1, n + 1)
    ]  # fmt: skip
    unranked = {"tenant_id": tenant, "agent_id": "new", "score_rank": None, "agents_ranked": n,
                "calls": 1, "calls_with_final_score": 0, "avg_final_score": None}  # fmt: skip
    return [*ranked, unranked]


def test_more_agents_than_shown_gives_the_best_and_the_lowest_halves_in_rank_order(tmp_path):
    rows = {"agg_agent_kpis": _agents(25) + _agents(3, tenant="other")}
    with duckdb.connect(str(_database(tmp_path / "t.duckdb", rows)), read_only=True) as con:
        data = read_report(con, "t")
    half = RANKED_AGENTS // 2
    expected = [*range(1, half + 1), *range(25 - half + 1, 26)]
    assert [a["score_rank"] for a in data.agents] == expected
    assert [a["agent_id"] for a in data.agents] == [f"a{i}" for i in expected]
    page = render(data, "t", "T")
    shown = dict(re.findall(r'<g id="agent-rank-(\d+)">\s*<text[^>]*>([^<]*)</text>', page))
    assert shown == {str(i): f"a{i} (2 calls)" for i in expected}
    scores = dict(re.findall(r'<g id="agent-rank-(\d+)-score">\s*<text[^>]*>([^<]*)</text>', page))
    assert scores == {str(i): f"{100.0 - i:.1f}" for i in expected}
    assert "a11 (" not in page and "new (" not in page and "other" not in page


def test_a_few_agents_are_all_shown_and_the_best_is_drawn_on_top(tmp_path):
    rows = {"agg_agent_kpis": _agents(3)}
    with duckdb.connect(str(_database(tmp_path / "t.duckdb", rows)), read_only=True) as con:
        page = render(read_report(con, "t"), "t", "T")
    ys = {
        rank: float(y)
        for rank, y in re.findall(r'<g id="agent-rank-(\d+)">\s*<text[^>]*?y="([\d.]+)"', page)
    }
    assert sorted(ys, key=ys.get) == ["1", "2", "3"]  # top to bottom on the page


def test_a_tenant_before_its_first_call_gets_a_page_of_dashes(tmp_path):
    database = _database(tmp_path / "t.duckdb", {})
    out = write_report(database, tmp_path / "t.html", "t", "T")
    page = out.read_text()
    tiles = re.findall(r'<div class="tile"[^>]*><span>[^<]*</span><b>([^<]*)</b>', page)
    assert len(tiles) == 10 and set(tiles) == {"–", "– (+– disputes)"}
    assert "no call scored yet" in page
    assert page.count("No scored call yet") == 4


def test_tiles_show_the_headline_row_and_the_stamp_its_last_input(tmp_path):
    headline = {
        "tenant_id": "t", "first_call_date": date(2026, 11, 2), "last_call_date": date(2026, 11, 3),
        "last_input_at": datetime(2026, 11, 3, 23, 30, tzinfo=UTC), "calls_received": 1234,
        "calls": 1000, "coverage_rate": 1000 / 1234, "calls_with_final_score": 990,
        "avg_handle_time_s": 333.0, "avg_final_score": 71.25, "final_pass_rate": 0.8125,
        "critical_fail_rate": 0.05, "review_share": 0.125, "verdicts": 7000,
        "verdicts_sent_to_review": 875, "verdicts_pending_review": 12, "verdicts_overridden": 40,
        "disputes_open": 3, "reviewed_verdicts": 100, "agreeing_verdicts": 90,
        "agreement_rate": 0.9, "chance_agreement": 0.5, "cohens_kappa": 0.8,
    }  # fmt: skip
    database = _database(tmp_path / "t.duckdb", {"agg_tenant_kpis": [headline]})
    with duckdb.connect(str(database), read_only=True) as con:
        data = read_report(con, "t")
    assert {t.label: t.text for t in data.tiles} == {
        "Calls received": "1,234",
        "Calls scored": "1,000",
        "Coverage": "81.0 %",
        "Mean QA score": "71.2",  # 71.25 to one decimal, rounded half to even
        "Pass rate": "81.2 %",
        "Critical error rate": "5.0 %",
        "Average handle time": "5.5 min",
        "Verdicts sent to review": "12.5 %",
        "Waiting for a reviewer": "12 (+3 disputes)",
        "Cohen's kappa (AI vs people)": "0.80",
    }
    for tile in data.tiles:
        assert all(c in headline for c in tile.columns), tile
    page = render(data, "t", "T")
    assert "data up to 2026-11-03 23:30 UTC" in page


@pytest.mark.parametrize("mart", MARTS)
def test_each_mart_the_page_shows_is_read_for_its_tenant_only(tmp_path, mart):
    """The published file holds one tenant, but the report filters on it anyway."""
    other = {"tenant_id": "other"}
    database = _database(tmp_path / "t.duckdb", {mart: [other]})
    with duckdb.connect(str(database), read_only=True) as con:
        data = read_report(con, "t")
    assert data.headline is None
    assert not (data.weeks or data.agents or data.compliance or data.calibration)
    assert not data.distribution
