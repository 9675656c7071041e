"""The report's page is drawn from the marts' rows alone: which agents it ranks and how, what a
tenant before its first call sees. The tables are made from the marts' data contracts (the
columns dbt builds), filled by hand; tests/dbt/test_published.py does the same on a real build."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import duckdb
import pytest

from transforms.core.contracts import load_contracts
from transforms.core.settings import REPO_ROOT
from transforms.kpis import notices
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


# ---------------------------------------------------------------------------- the notice


def _text(fragment: str) -> str:
    """An HTML fragment's text, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _notice(page: str) -> str:
    found = re.search(r'<section class="notice" id="ai-notice" role="note">(.*?)</section>', page)
    assert found, "the page has no notice"
    return found.group(1)


def test_the_page_opens_with_the_error_bias_and_human_validation_notice(tmp_path):
    headline = {"tenant_id": "t", "calls": 10, "verdicts_pending_review": 7, "disputes_open": 2}
    database = _database(tmp_path / "t.duckdb", {"agg_tenant_kpis": [headline]})
    with duckdb.connect(str(database), read_only=True) as con:
        page = render(read_report(con, "t"), "t", "T")
    notice = _notice(page)
    # before the tiles and the charts: the first thing under the header
    assert page.index('id="ai-notice"') < page.index('class="tiles"') < page.index("chart-")
    assert notices.ERROR_AND_BIAS in _text(notice) and notices.HUMAN_VALIDATION in _text(notice)
    assert "bias" in notices.ERROR_AND_BIAS and "can be wrong" in notices.ERROR_AND_BIAS
    assert "validates the decision" in notices.HUMAN_VALIDATION
    pending = re.search(r'<p id="pending-review" data-columns="([^"]*)">([^<]*)</p>', notice)
    assert pending.group(1) == "verdicts_pending_review disputes_open"
    assert html.unescape(pending.group(2)) == notices.pending_review(7, 2)
    assert pending.group(2).startswith("7 AI verdicts are waiting for a reviewer")
    assert "2 agent disputes are open" in pending.group(2)


def test_a_tenant_before_its_first_call_gets_the_notice_too(tmp_path):
    page = write_report(_database(tmp_path / "t.duckdb", {}), tmp_path / "t.html", "t", "T")
    notice = _notice(page.read_text())
    assert notices.HUMAN_VALIDATION in _text(notice) and "No call scored yet." in notice


@pytest.mark.parametrize(
    ("pending", "disputes", "says"),
    [
        (0, 0, "No AI verdict is waiting for a reviewer; no agent dispute is open."),
        (1, 1, "1 AI verdict is waiting for a reviewer"),
        (1234, 0, "1,234 AI verdicts are waiting"),
    ],
)
def test_the_pending_line_says_what_waits(pending, disputes, says):
    assert says in notices.pending_review(pending, disputes)


def test_agents_with_verdicts_waiting_for_a_person_are_marked_in_the_ranking(tmp_path):
    agents = _agents(3)
    agents[1]["verdicts_pending_review"] = 4  # a2
    agents[2]["verdicts_pending_review"] = 0  # a3
    database = _database(tmp_path / "t.duckdb", {"agg_agent_kpis": agents})
    with duckdb.connect(str(database), read_only=True) as con:
        page = render(read_report(con, "t"), "t", "T")
    marks = dict(re.findall(r'<g id="agent-rank-(\d+)-pending">\s*<text[^>]*>([^<]*)</text>', page))
    assert marks == {"2": "4 pending review"}
    # the labels and scores are unchanged by the mark
    labels = dict(re.findall(r'<g id="agent-rank-(\d+)">\s*<text[^>]*>([^<]*)</text>', page))
    assert labels == {"1": "a1 (2 calls)", "2": "a2 (2 calls)", "3": "a3 (2 calls)"}


def test_docs_bi_quotes_the_notice_as_the_report_prints_it():
    lines = (REPO_ROOT / "docs" / "bi.md").read_text().splitlines()
    quoted = [line.removeprefix(">").replace("**", "") for line in lines]  # a Markdown quote
    page = " ".join(" ".join(quoted).split())
    for paragraph in (notices.TITLE, notices.ERROR_AND_BIAS, notices.HUMAN_VALIDATION):
        assert paragraph in page, "docs/bi.md must quote transforms/kpis/notices.py"
