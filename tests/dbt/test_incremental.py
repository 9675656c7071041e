"""Incremental KPI builds: after new calls, a late review, a re-score, a call whose latest
transcript is not scored yet and an active-flag change, an incremental ``dbt build`` rebuilds
only those calls and gives the same marts as a full refresh; run again, it changes nothing."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import duckdb
import polars as pl
import pytest

from tests.dbt.synthetic import QA_CARD, run_dbt
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.scorecards import parse_scorecard
from transforms.core.tables import (
    CALL_METRICS,
    CALL_SCORES,
    CALLS,
    CRITERION_RESULTS,
    SCORECARD_VERSIONS,
    TRANSCRIPTS,
)
from transforms.kpis import publish as publish_module
from transforms.kpis.build_file import BUILD_ARGS
from transforms.kpis.publish import publish, tenant_database
from transforms.review.reviews import record_reviews

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
TABLES = {
    "bronze/calls": CALLS,
    "silver/transcripts": TRANSCRIPTS,
    "silver/call_metrics": CALL_METRICS,
    "silver/call_scores": CALL_SCORES,
    "silver/criterion_results": CRITERION_RESULTS,
}
WRITTEN_AT = {"ingested_at", "transcribed_at", "computed_at", "scored_at"}


def _like(frames, table: str, uid: str, **values) -> pl.DataFrame:
    """Rows of ``uid`` in ``table``, with some columns set, every write time now."""
    rows = frames[table].filter(pl.col("call_uid") == uid)
    times = {c: pl.lit(NOW, pl.Datetime("us", "UTC")) for c in WRITTEN_AT if c in rows.columns}
    values = {k: pl.lit(v) for k, v in values.items() if k in rows.columns}
    return rows.with_columns(**times, **values)


def _write(lh: Lakehouse, table: str, frame: pl.DataFrame) -> None:
    spec = TABLES[table]
    missing = [n for n in spec.schema.names if n not in frame.columns]
    lh.merge(spec, conform(spec, frame.with_columns(pl.lit(None).alias(n) for n in missing)))


def change_the_lakehouse(lh: Lakehouse, frames) -> None:
    # a new call (a copy of t1-c04, the next day)
    for table in TABLES:
        started = (
            {"started_at": datetime(2024, 5, 3, 9, tzinfo=UTC)} if table == "bronze/calls" else {}
        )
        _write(
            lh, table, _like(frames, table, "t1-c04", call_uid="t1-c09", call_id="c09", **started)
        )
    # t1-c04 re-transcribed by a bigger model and re-scored on it
    for table in ("silver/transcripts", "silver/call_metrics", "silver/call_scores",
                  "silver/criterion_results"):  # fmt: skip
        rows = _like(frames, table, "t1-c04", model_id="whisper-xl")
        if table == "silver/call_scores":
            rows = rows.with_columns(score=pl.lit(42.0), passed=pl.lit(False))
        _write(lh, table, rows)
    # t1-c03 re-transcribed, not scored yet: the scores decide which model counts (the KPIs
    # outlive the transcripts), so it keeps its score until the new model is scored
    _write(
        lh,
        "silver/transcripts",
        _like(frames, "silver/transcripts", "t1-c03", model_id="whisper-xl"),
    )
    # a late review of an old call
    cards = {("qa-default", "1"): parse_scorecard({**QA_CARD, "version": "1"})}
    review = {
        "call_id": "c01", "scorecard_id": "qa-default", "scorecard_version": "1",
        "criterion_id": "greeting", "kind": "review", "verdict": "not_met", "reviewer_id": "rev-3",
        "comment": "", "reviewed_at": (NOW - timedelta(days=1)).isoformat(),
    }  # fmt: skip
    assert record_reviews(lh, "t2", [review], cards, now=NOW) == 1
    # t1 marks version 1 active: t1-c02 (scored with 1 and 2) now counts version 1
    versions = [
        {"tenant_id": "t1", "scorecard_id": "qa-default", "scorecard_version": v, "name": "QA",
         "pass_threshold": 50.0, "criteria_total": 2, "is_active": v == "1",
         "definition_sha256": "0" * 64, "definition": "{}", "recorded_at": NOW}
        for v in ("1", "2")
    ]  # fmt: skip
    lh.merge(SCORECARD_VERSIONS, conform(SCORECARD_VERSIONS, versions), update=True)


def marts(path) -> dict[str, set[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main' "
                "and regexp_matches(table_name, '^(fct|agg|dim)_')"
            ).fetchall()
        ]
        out = {}
        for name in names:
            rows = con.execute(f"select * from {name}").fetchall()
            assert len(rows) == len(set(rows)), name
            out[name] = set(rows)
        return out


@pytest.fixture(scope="module")
def rebuilt(built, tmp_path_factory):
    assert built["result"].returncode == 0
    work = tmp_path_factory.mktemp("incremental")
    lakehouse = work / "lakehouse"
    shutil.copytree(built["lakehouse"], lakehouse)
    build = work / "kpis.build.duckdb"
    shutil.copyfile(built["warehouse"], build)

    def dbt(path, *extra):
        result = run_dbt([*BUILD_ARGS, *extra], work, lakehouse, path)
        assert result.returncode == 0, result.stdout[-6000:]
        return result

    before = marts(build)
    warehouse = work / "warehouse"
    hows = [_publish(build, warehouse)]
    change_the_lakehouse(Lakehouse(str(lakehouse)), built["frames"])
    dbt(build)
    # the tests a KPI build leaves out (tag ci) hold on an incremental build too
    checks = run_dbt(["test", "--select", "tag:ci"], work, lakehouse, build)
    assert checks.returncode == 0, checks.stdout[-6000:]
    hows.append(_publish(build, warehouse))
    with duckdb.connect(str(build), read_only=True) as con:
        rebuilt_calls = {
            r[0] for r in con.execute("select call_uid from int_calls__changed").fetchall()
        }
    incremental = marts(build)
    with duckdb.connect(str(build), read_only=True) as con:
        calls = con.sql("select * from fct_calls").pl()
    dbt(build)
    again = marts(build)
    hows.append(_publish(build, warehouse))
    refresh = work / "refresh.duckdb"
    dbt(refresh, "--full-refresh")
    _publish(refresh, work / "warehouse-refresh")
    published = {
        name: {t: marts(tenant_database(work / name, t)) for t in ("t1", "t2")}
        for name in ("warehouse", "warehouse-refresh")
    }
    return {"before": before, "incremental": incremental, "again": again,
            "refresh": marts(refresh), "rebuilt_calls": rebuilt_calls, "calls": calls,
            "published": published, "hows": hows}  # fmt: skip


def _publish(build, warehouse) -> dict[str, str]:
    """Publish ``build`` into ``warehouse``; how each tenant's file was made. Most of these few
    calls change: the share above which a file is written anew is lifted, so that the files are
    updated in place, the path under test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(publish_module, "REWRITE_SHARE", 1.0)
        files = publish(
            build, warehouse, warehouse.parent / "operator.duckdb", reports=False, today=NOW.date()
        )
    return {tenant: f.how for tenant, f in files.tenants.items()}


def test_an_incremental_build_rebuilds_only_the_calls_that_changed(rebuilt):
    # new, re-scored and reviewed calls, and every t1 call scored with the version whose flag
    # moved (t1-c03 among them); not t2's other calls
    assert rebuilt["rebuilt_calls"] == {"t1-c09", "t1-c04", "t1-c03", "t2-c01", "t1-c02", "t1-c01"}
    fct = {r["call_uid"]: r for r in rebuilt["calls"].iter_rows(named=True)}
    assert "t1-c09" in fct
    assert fct["t1-c03"]["model_id"] == "whisper-large"  # its unscored transcript does not count
    assert fct["t1-c04"]["model_id"] == "whisper-xl"  # the latest model scored
    assert fct["t1-c04"]["score"] == 42.0
    assert fct["t1-c02"]["scorecard_version"] == "1"  # the one marked active
    untouched = {r for r in rebuilt["before"]["fct_calls"] if r[0] in ("t2-c02", "t2-c03")}
    assert untouched <= rebuilt["incremental"]["fct_calls"]


def test_a_full_refresh_gives_the_same_marts(rebuilt):
    assert set(rebuilt["incremental"]) == set(rebuilt["refresh"])
    for name, rows in rebuilt["refresh"].items():
        assert rebuilt["incremental"][name] == rows, name


def test_the_files_published_after_each_build_equal_a_full_refresh_published(rebuilt):
    """No accuracy lost on the publish path either: each tenant's file, updated in place from
    the build log after the incremental builds, holds what publishing a full refresh gives."""
    assert rebuilt["hows"] == [
        {"t1": "rewritten", "t2": "rewritten"},
        {"t1": "updated", "t2": "updated"},
        {"t1": "updated", "t2": "updated"},
    ]
    published = rebuilt["published"]
    for tenant in ("t1", "t2"):
        assert published["warehouse"][tenant] == published["warehouse-refresh"][tenant], tenant


def test_running_the_build_again_changes_nothing(rebuilt):
    assert rebuilt["again"] == rebuilt["incremental"]
