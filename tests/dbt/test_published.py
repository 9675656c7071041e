"""The published files of a real dbt build: one database per tenant with no foreign row, its
HTML report rendered by a real browser, and a real BI client (SQLAlchemy + duckdb-engine, what
Superset uses) reading a tenant's database while the next publish swaps a new one in."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import textwrap
from datetime import date

import duckdb
import numpy as np
import pytest
from matplotlib import image

from tests.browser import Page, chromium_or_skip
from tests.tenant_files import assert_only_its_own_rows, tenant_rows
from transforms.kpis import publish
from transforms.kpis.report import CHARTS

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
    with Page(browser, width=1280, height=900) as page:
        page.open(local)
        charts = json.loads(page.evaluate(script))
        png = page.screenshot()
        errors = page.console_errors()
        urls = page.requested_urls()
    assert [c["id"] for c in charts] == [c.key for c in CHARTS]
    for chart in charts:
        assert chart["width"] > 300 and chart["height"] > 100, chart
        assert chart["marks"] > 20, chart  # axes, ticks, bars or lines: drawn, not empty
    assert errors == []
    assert urls == [local.resolve().as_uri()]  # nothing fetched: it renders offline
    pixels = image.imread(io.BytesIO(png))
    assert pixels.shape[0] > 900 and pixels.shape[1] == 1280  # the whole page
    assert np.unique(pixels.reshape(-1, pixels.shape[-1])[::97], axis=0).shape[0] > 50
    assert pixels.std() > 0.05  # not a blank page


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
