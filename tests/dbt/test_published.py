"""The published files of a real dbt build: one database per tenant with no foreign row, its
HTML report rendered by a real browser, and a real BI client (SQLAlchemy + duckdb-engine, what
Superset uses) reading a tenant's database while the next publish swaps a new one in."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import date

import duckdb
import numpy as np
import polars as pl
import pytest
from matplotlib import image

from orchestration.cli.kpis import kpi_lines
from tests.browser import Page, chromium_or_skip
from tests.tenant_files import assert_only_its_own_rows, tenant_rows
from transforms.kpis import notices, publish
from transforms.kpis.report import CHARTS, read_report

#: The date the publishes decide for (no registry here: only tenants with rows).
TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def published(built, tmp_path_factory):
    assert built["result"].returncode == 0
    home = tmp_path_factory.mktemp("published")
    build = home / "build" / "kpis.build.duckdb"
    build.parent.mkdir()
    shutil.copyfile(built["warehouse"], build)
    files = publish.publish(build, home / "warehouse", publish.operator_database(home), today=TODAY)
    return {"home": home, "build": build, "files": files, "frames": built["frames"]}


def test_each_tenant_database_holds_its_rows_of_every_mart_and_no_other(published):
    calls = published["frames"]["bronze/calls"]
    calls_of = dict(zip(calls["call_uid"], calls["tenant_id"], strict=True))
    agents = set(zip(calls["tenant_id"], calls["agent_id"], strict=True))
    files = published["files"]
    assert sorted(files.tenants) == ["t1", "t2"]
    marts = {m.name for m in publish.list_marts(published["build"])}
    for tenant, f in files.tenants.items():
        got = tenant_rows(f.database)
        assert set(got) == marts  # every mart (no operator-only one exists today)
        assert got["fct_calls"][1], tenant  # and rows in it
        assert_only_its_own_rows(f.database, tenant, calls_of, agents)


def test_the_report_renders_every_chart_in_a_real_browser_with_no_error(published, tmp_path):
    browser = chromium_or_skip()
    report = published["files"].tenants["t1"].report
    local = tmp_path / "report.html"  # a readable copy: the published one is owner-read-only
    shutil.copyfile(report, local)
    script = """JSON.stringify([...document.querySelectorAll('figure.chart')].map(f => {
        const svg = f.querySelector('svg'); const box = svg && svg.getBoundingClientRect();
        return {id: f.dataset.chart, width: box ? box.width : 0, height: box ? box.height : 0,
                marks: svg ? svg.querySelectorAll('path, rect, use, text').length : 0};
    }))"""
    # the agent ranking's labels as the browser lays them out, top to bottom
    ranking = """JSON.stringify([...document.querySelectorAll(
        '#chart-agent-ranking g[id^="agent-rank-"]:not([id$="-score"]):not([id$="-pending"])')]
        .map(g => ({text: g.textContent.trim(), top: g.getBoundingClientRect().top})))"""
    pending_marks = """JSON.stringify(Object.fromEntries([...document.querySelectorAll(
        '#chart-agent-ranking g[id$="-pending"]')].map(g => [g.id, g.textContent.trim()])))"""
    # the notice as the reader sees it: where it is drawn, and its text
    notice = """JSON.stringify((() => {
        const n = document.getElementById('ai-notice'), box = n.getBoundingClientRect();
        const tiles = document.querySelector('.tiles').getBoundingClientRect();
        const style = getComputedStyle(n);
        return {top: box.top, bottom: box.bottom, width: box.width, tilesTop: tiles.top,
                visible: style.display !== 'none' && style.visibility !== 'hidden'
                         && parseFloat(style.opacity) > 0.9,
                text: n.innerText,
                pending: document.getElementById('pending-review').innerText};
    })())"""
    with Page(browser, width=1280, height=900) as page:
        page.open(local)
        charts = json.loads(page.evaluate(script))
        labels = json.loads(page.evaluate(ranking))
        marks = json.loads(page.evaluate(pending_marks))
        shown_notice = json.loads(page.evaluate(notice))
        png = page.screenshot()
        errors = page.console_errors()
        urls = page.requested_urls()
    assert [c["id"] for c in charts] == [c.key for c in CHARTS]
    for chart in charts:
        assert chart["width"] > 300 and chart["height"] > 100, chart
        assert chart["marks"] > 20, chart  # axes, ticks, bars or lines: drawn, not empty
    assert errors == []
    assert urls == [local.resolve().as_uri()]  # nothing fetched: it renders offline
    with duckdb.connect(str(published["files"].tenants["t1"].database), read_only=True) as con:
        data = read_report(con, "t1")
    agents = data.agents
    assert len(agents) >= 2
    shown = [label["text"] for label in sorted(labels, key=lambda label: label["top"])]
    assert shown == [f"{a['agent_id']} ({a['calls_with_final_score']} calls)" for a in agents]

    # the notice: drawn above the tiles, in the first screenful, the contract's words, and
    # what waits for a person as the mart counts it
    assert shown_notice["visible"] and shown_notice["width"] > 900
    assert 0 < shown_notice["top"] < shown_notice["bottom"] <= shown_notice["tilesTop"] < 900
    text = " ".join(shown_notice["text"].split())
    for words in (notices.TITLE, notices.ERROR_AND_BIAS, notices.HUMAN_VALIDATION):
        assert words in text
    h = data.headline
    assert shown_notice["pending"] == notices.pending_review(
        h["verdicts_pending_review"], h["disputes_open"]
    )
    # agents with verdicts waiting for a person are marked so in the ranking, and only they
    assert h["verdicts_pending_review"] > 0 and marks  # the synthetic build has some
    assert marks == {
        f"agent-rank-{a['score_rank']}-pending": f"{a['verdicts_pending_review']} pending review"
        for a in agents
        if a["verdicts_pending_review"]
    }
    pixels = image.imread(io.BytesIO(png))
    assert pixels.shape[0] > 900 and pixels.shape[1] == 1280  # the whole page
    assert np.unique(pixels.reshape(-1, pixels.shape[-1])[::97], axis=0).shape[0] > 50
    assert pixels.std() > 0.05  # not a blank page


def test_ccr_kpis_prints_the_notice_and_what_waits_for_a_person(published):
    lines = kpi_lines(published["home"] / "warehouse")
    assert lines[0] == notices.as_text()
    text = "\n".join(lines)
    with duckdb.connect(str(published["files"].tenants["t1"].database), read_only=True) as con:
        pending = con.execute("select verdicts_pending_review from agg_tenant_kpis").fetchone()[0]
    header = next(line for line in lines[1:] if line.startswith("| tenant_id"))
    assert "verdicts_pending_review" in header and "disputes_open" in header
    assert "| t1 " in text and str(pending) in text
    assert "…" not in text  # no column elided: every KPI and what waits is printed


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Cohen's kappa of (AI, human) label pairs, from its textbook definition."""
    n = len(pairs)
    if not n:
        return None
    p_o = sum(ai == human for ai, human in pairs) / n
    labels = {label for pair in pairs for label in pair}
    p_e = sum(
        sum(ai == label for ai, _ in pairs) * sum(human == label for _, human in pairs)
        for label in labels
    ) / (n * n)
    return None if p_e == 1 else (p_o - p_e) / (1 - p_e)


def test_the_report_shows_the_marts_tiles_and_ranking_as_they_are(published):
    """Issue 19's "must show": the tiles and the agent ranking of each tenant's published report
    are the rows of agg_tenant_kpis and agg_agent_kpis, values and order as the page renders
    them; and those rows are what the glossary defines, computed here again from the facts."""
    calls_received = published["frames"]["bronze/calls"].group_by("tenant_id").len()
    received = dict(calls_received.iter_rows())
    for tenant, files in published["files"].tenants.items():
        with duckdb.connect(str(files.database), read_only=True) as con:
            data = read_report(con, tenant)
            headline = _rows(con, "select * from agg_tenant_kpis")
            ranked = _rows(
                con, "select * from agg_agent_kpis where score_rank is not null order by score_rank"
            )
            calls = con.sql("select * from fct_calls").pl()
            pairs = con.execute(
                "select ai_verdict, human_verdict from fct_criterion_verdicts "
                "where human_verdict is not null"
            ).fetchall()
        # the page is drawn from the marts' rows, unchanged
        assert len(headline) == 1 and data.headline == headline[0]
        assert data.agents == ranked and len(ranked) >= 2
        h = headline[0]

        # as rendered: the tiles, each naming the columns it shows
        page = files.report.read_text()
        tiles = re.findall(
            r'<div class="tile" data-columns="([^"]*)"><span>([^<]*)</span><b>([^<]*)</b>', page
        )
        shown = {html.unescape(label): html.unescape(text) for _, label, text in tiles}
        assert shown == {
            "Calls received": f"{h['calls_received']:,}",
            "Calls scored": f"{h['calls']:,}",
            "Coverage": f"{100 * h['coverage_rate']:.1f} %",
            "Mean QA score": f"{h['avg_final_score']:.1f}",
            "Pass rate": f"{100 * h['final_pass_rate']:.1f} %",
            "Critical error rate": f"{100 * h['critical_fail_rate']:.1f} %",
            "Average handle time": f"{h['avg_handle_time_s'] / 60:.1f} min",
            "Verdicts sent to review": f"{100 * h['review_share']:.1f} %",
            "Waiting for a reviewer": f"{h['verdicts_pending_review']} (+{h['disputes_open']} "
            "disputes)",
            "Cohen's kappa (AI vs people)": "–"
            if h["cohens_kappa"] is None
            else f"{h['cohens_kappa']:.2f}",
        }
        assert [c for c, _, _ in tiles] == [" ".join(t.columns) for t in data.tiles]

        # as rendered: the ranking, top to bottom on the page, and each agent's score
        labels = re.findall(
            r'<g id="agent-rank-(\d+)">\s*<text[^>]*?y="([\d.]+)"[^>]*>([^<]*)</text>', page
        )
        top_to_bottom = [text for _, _, text in sorted(labels, key=lambda g: float(g[1]))]
        assert top_to_bottom == [
            f"{a['agent_id']} ({a['calls_with_final_score']} calls)" for a in ranked
        ]
        scores = re.findall(r'<g id="agent-rank-(\d+)-score">\s*<text[^>]*>([^<]*)</text>', page)
        assert dict(scores) == {str(a["score_rank"]): f"{a['avg_final_score']:.1f}" for a in ranked}

        # the marts hold the glossary's definitions: final scores, after human review
        scored = calls.filter(pl.col("final_score").is_not_null())
        by_agent = (
            scored.group_by("agent_id")
            .agg(pl.col("final_score").mean().alias("mean"), pl.len().alias("n"))
            .sort(["mean", "agent_id"], descending=[True, False])
        )
        assert [a["agent_id"] for a in ranked] == by_agent["agent_id"].to_list()
        assert [a["avg_final_score"] for a in ranked] == pytest.approx(by_agent["mean"].to_list())
        assert [a["calls_with_final_score"] for a in ranked] == by_agent["n"].to_list()
        assert h["calls_received"] == received[tenant] and h["calls"] == calls.height
        assert h["avg_final_score"] == pytest.approx(scored["final_score"].mean())
        assert h["final_pass_rate"] == pytest.approx(scored["final_passed"].cast(float).mean())
        assert h["review_share"] == pytest.approx(
            calls["verdicts_sent_to_review"].sum() / calls["verdicts"].sum()
        )
        kappa = _kappa(pairs)
        assert h["cohens_kappa"] == (None if kappa is None else pytest.approx(kappa, abs=5e-5))


def test_the_report_holds_no_call_detail_and_the_same_build_gives_the_same_bytes(published):
    report = published["files"].tenants["t1"].report.read_bytes()
    for uid in published["frames"]["bronze/calls"]["call_uid"]:
        assert uid.encode() not in report  # agents and aggregates only
    home = published["home"]
    again = publish.publish(
        published["build"], home / "warehouse", publish.operator_database(home), today=TODAY
    )
    assert again.tenants["t1"].report.read_bytes() == report


READER = textwrap.dedent(
    """
    import sys
    import sqlalchemy as sa

    url = "duckdb:///" + sys.argv[1] + "?access_mode=read_only"
    count = sa.text("select count(*) from fct_calls")
    engine = sa.create_engine(url)
    with engine.connect() as held:
        print("before", held.execute(count).scalar(), flush=True)
        try:
            held.execute(sa.text("create table scribble as select 1"))
            print("write allowed", flush=True)
        except Exception:
            held.rollback()
            print("write refused", flush=True)
        sys.stdin.readline()  # the next publish happens now
        print("held", held.execute(count).scalar(), flush=True)
    engine.dispose()
    with sa.create_engine(url).connect() as fresh:
        print("fresh", fresh.execute(count).scalar(), flush=True)
    """
)


def test_a_bi_client_reads_read_only_through_the_next_publish(published, tmp_path):
    """Another process holds a SQLAlchemy connection while a new file is renamed in: it keeps
    its snapshot, and a new connection sees the new data."""
    home, build = published["home"], published["build"]
    database = publish.tenant_database(home / "warehouse", "t1")
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(database)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines = [reader.stdout.readline().strip(), reader.stdout.readline().strip()]
    before = int(lines[0].split()[1])
    assert lines == [f"before {before}", "write refused"]
    # the next build lost a call of t1 (erased upstream): the publish writes a new file
    changed = tmp_path / "kpis.build.duckdb"
    shutil.copyfile(build, changed)
    with duckdb.connect(str(changed)) as con:
        gone = con.execute("select min(call_uid) from fct_calls where tenant_id = 't1'").fetchone()
        con.execute("delete from fct_calls where call_uid = ?", [gone[0]])
    warehouse, operator = home / "warehouse", publish.operator_database(home)
    publish.publish(changed, warehouse, operator, reports=False, today=TODAY)
    out, _ = reader.communicate("go\n", timeout=60)
    assert reader.returncode == 0
    assert out.split("\n")[:2] == [f"held {before}", f"fresh {before - 1}"]
    # put the session's files back as they were
    publish.publish(build, warehouse, operator, rewrite=True, today=TODAY)
