"""End-to-end tests of the dbt project in dbt_project/.

Writes small synthetic Delta tables (the schemas the Python pipeline writes,
partitioned by tenant_id) into a tmp dir, runs the real ``dbt build`` against a
DuckDB file in the same tmp dir, and checks the marts against values computed
independently with Polars from the input rows.

dbt runs in a subprocess (not dbtRunner in-process) so that its DuckDB
connection is closed before the test opens the file read-only, and with
TZ=Pacific/Auckland so that a call at 23:30 UTC proves call_date is the UTC
date rather than the session-local one.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.dbt.synthetic import DBT_PROJECT_DIR, run_dbt
from transforms.core.lakehouse import Lakehouse
from transforms.core.tables import HUMAN_REVIEWS

# --------------------------------------------------------------------------- #
# expected marts, computed independently in Polars
# --------------------------------------------------------------------------- #


def expected_fct_calls(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    # the model first scored most recently (read from the scores, not the transcripts)
    latest_model = (
        frames["silver/call_scores"]
        .group_by("call_uid", "model_id")
        .agg(pl.col("scored_at").min())
        .sort(["scored_at", "model_id"], descending=True)
        .group_by("call_uid", maintain_order=True)
        .first()
        .select("call_uid", "model_id")
    )
    chosen_score = (
        frames["silver/call_scores"]
        .join(latest_model, on=["call_uid", "model_id"], how="inner")
        .with_columns(pl.col("scorecard_version").cast(pl.Int64).alias("_version"))
        .sort("_version", descending=True)
        .group_by("call_uid", maintain_order=True)
        .first()
    )
    metrics = frames["silver/call_metrics"].select(
        "call_uid", "model_id", "agent_talk_share", "silence_s"
    )
    return (
        frames["bronze/calls"]
        .select("call_uid", "tenant_id", "agent_id", "team", "started_at")
        .join(
            chosen_score.select("call_uid", "model_id", "scorecard_version", "score", "passed"),
            on="call_uid",
            how="inner",
        )
        .join(metrics, on=["call_uid", "model_id"], how="left")
        .with_columns(pl.col("started_at").dt.convert_time_zone("UTC").dt.date().alias("call_date"))
    )


def expected_agg_agent_daily(fct: pl.DataFrame) -> pl.DataFrame:
    return (
        fct.group_by("tenant_id", "agent_id", "call_date")
        .agg(
            pl.len().alias("calls"),
            pl.col("score").mean().alias("avg_score"),
            pl.col("passed").cast(pl.Float64).mean().alias("pass_rate"),
            pl.col("agent_talk_share").mean().alias("avg_agent_talk_share"),
            pl.col("silence_s").mean().alias("avg_silence_s"),
            pl.col("team").sort_by("started_at").last().alias("team"),
        )
        .sort("tenant_id", "agent_id", "call_date")
    )


def _query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# --------------------------------------------------------------------------- #
# tests
# --------------------------------------------------------------------------- #


#: Marts built incrementally, keyed by call (the rest of the marts are tables or keyed by period).
CALL_KEYED = {"fct_calls", "fct_criterion_verdicts", "fct_score_versions", "fct_call_categories"}
BY_PERIOD = {"agg_agent_daily", "agg_qa_kpis", "agg_criterion_compliance"}
#: The KPIs the glossary must define (issue: "KPI glossary, complete").
KPIS = {
    "QA score",
    "Mean QA score",
    "Agent ranking",
    "Pass rate",
    "Critical error rate",
    "Compliance rate per criterion",
    "Average handle time",
    "Agent talk share",
    "Silence share",
    "Dead-air share",
    "Overtalk per call",
    "Coverage",
    "Share of verdicts sent to human review",
    "AI-vs-human agreement",
    "Cohen's kappa",
}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    work = tmp_path_factory.mktemp("dbt_parse")
    result = run_dbt(["parse"], work, work / "lakehouse", work / "kpis.build.duckdb")
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((work / "target" / "manifest.json").read_text())


def test_dbt_parse_succeeds(manifest):
    sources = manifest["sources"]
    asset_keys = {tuple(src["meta"]["dagster"]["asset_key"]) for src in sources.values()}
    assert asset_keys == {
        ("bronze", "calls"),
        ("silver", "call_metrics"),
        ("silver", "call_scores"),
        ("silver", "criterion_results"),
        ("silver", "scorecard_versions"),
        ("silver", "call_categories"),
        ("silver", "human_reviews"),
    }  # no transcript_segments: no model reads them
    for src in sources.values():
        assert src["meta"]["read_columns"]
        assert src["meta"]["delta_table_path"].endswith(
            "/".join(src["meta"]["dagster"]["asset_key"])
        )
    marts = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["fqn"][1:2] == ["marts"]
    ]
    assert len(marts) == 17
    for node in marts:
        assert node["config"]["contract"]["enforced"] is True
        assert all(col["data_type"] for col in node["columns"].values())
        incremental = node["name"] in CALL_KEYED | BY_PERIOD
        assert node["config"]["materialized"] == ("incremental" if incremental else "table")
        if incremental:
            assert node["config"]["incremental_strategy"] == "delete+insert"
            assert node["config"]["on_schema_change"] == "fail"
            assert (node["config"]["unique_key"] == "call_uid") == (node["name"] in CALL_KEYED)
            assert node["config"]["pre-hook"]


def test_sources_read_only_what_the_staging_models_select_and_never_free_text(manifest):
    """A column a model does not use is never read; no direct identifier or special category
    (transcripts, quotes, comments: the data contracts' classes) is, nor the caller pseudonym."""
    from transforms.core.contracts import load_contracts

    contracts = load_contracts()
    for src in manifest["sources"].values():
        contract = contracts[".".join(src["meta"]["dagster"]["asset_key"])]
        read = src["meta"]["read_columns"]
        assert len(read) == len(set(read)) and set(read) <= {c.name for c in contract.columns}
        classes = {c.name: c.pii_class for c in contract.columns}
        assert not [c for c in read if classes[c] in ("direct_identifier", "special_category")]
        assert "caller_key" not in read
        staging = manifest["nodes"][f"model.callcenterrate.stg_lakehouse__{src['name']}"]
        selected = set(re.findall(r"cast\((\w+) as", staging["raw_code"]))
        assert selected == set(read), src["name"]


def test_every_kpi_is_defined_once_and_pinned_by_a_unit_test(manifest):
    from transforms.kpis.glossary import kpis

    glossary = kpis(DBT_PROJECT_DIR)
    assert sorted(k.name for k in glossary) == sorted(KPIS)  # complete, each once
    units = list(manifest["unit_tests"].values())
    for kpi in glossary:
        # the mart's model, or the model it takes the column from (fct_calls: the final score)
        node = manifest["nodes"][f"model.callcenterrate.{kpi.model}"]
        models = {kpi.model} | {p.split(".")[-1] for p in node["depends_on"]["nodes"]}
        pinned = [
            u["name"]
            for u in units
            if u["model"] in models and any(kpi.column in row for row in u["expect"]["rows"])
        ]
        assert pinned, f"{kpi.name}: no unit test expects {kpi.model}.{kpi.column}"


def test_the_readme_glossary_is_the_one_generated_from_the_model_yaml():
    from transforms.kpis.glossary import with_glossary

    readme = (DBT_PROJECT_DIR / "README.md").read_text()
    assert with_glossary(readme) == readme, "run: .venv/bin/python -m transforms.kpis.glossary"


def test_the_build_file_holds_no_source_rows_and_no_free_text(built):
    """Sources are views over the Parquet files: nothing of them is copied into the build."""
    with duckdb.connect(str(built["warehouse"]), read_only=True) as con:
        lakehouse = con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_schema = 'lakehouse'"
        ).fetchall()
    assert lakehouse and {kind for _, kind in lakehouse} == {"VIEW"}
    data = built["warehouse"].read_bytes()
    for text in ("hello thanks for calling", "I said thank you for calling", "confirmed on the"):
        assert text.encode() not in data


def test_dbt_build_succeeds(built):
    result = built["result"]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    results = built["run_results"]["results"]
    # exposures report "no-op"; everything else must have run and passed
    failed = [
        (r["unique_id"], r["status"])
        for r in results
        if not r["unique_id"].startswith("exposure.") and r["status"] not in ("success", "pass")
    ]
    assert not failed, failed
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert {"model", "test", "unit_test"} <= kinds
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) >= 2


def test_fct_calls_matches_inputs(built):
    assert built["result"].returncode == 0
    expected = expected_fct_calls(built["frames"]).sort("call_uid")
    rows = _query(
        built["warehouse"],
        "select call_uid, model_id, scorecard_version, score, passed, call_date "
        "from main.fct_calls order by call_uid",
    )
    assert len(rows) == expected.height == 7  # 8 calls, one never scored
    columns = ["call_uid", "model_id", "scorecard_version", "score", "passed", "call_date"]
    assert rows == [tuple(r[c] for c in columns) for r in expected.iter_rows(named=True)]
    by_uid = {r[0]: r for r in rows}
    assert "t1-c05" not in by_uid  # not scored
    assert by_uid["t1-c01"][1] == "whisper-large"  # latest transcript model
    assert by_uid["t1-c02"][2] == "2"  # highest scorecard version
    assert by_uid["t1-c02"][5] == date(2024, 5, 1)  # UTC date despite TZ=Pacific/Auckland


def test_agg_agent_daily_matches_inputs(built):
    assert built["result"].returncode == 0
    expected = expected_agg_agent_daily(expected_fct_calls(built["frames"]))
    rows = _query(
        built["warehouse"],
        "select tenant_id, agent_id, call_date, team, calls, avg_score, pass_rate, "
        "avg_agent_talk_share, avg_silence_s "
        "from main.agg_agent_daily order by tenant_id, agent_id, call_date",
    )
    assert len(rows) == expected.height == 6  # 2 tenants x 2 agents x 2 days, minus 2 empty
    kpis = ["avg_score", "pass_rate", "avg_agent_talk_share", "avg_silence_s"]
    for got, want in zip(rows, expected.iter_rows(named=True), strict=True):
        assert got[:5] == (
            want["tenant_id"],
            want["agent_id"],
            want["call_date"],
            want["team"],
            want["calls"],
        )
        for value, key in zip(got[5:], kpis, strict=True):
            if want[key] is None:
                assert value is None, key
            else:
                assert value == pytest.approx(want[key]), (want["tenant_id"], want["agent_id"], key)

    total_calls = _query(built["warehouse"], "select sum(calls) from main.agg_agent_daily")[0][0]
    assert total_calls == _query(built["warehouse"], "select count(*) from main.fct_calls")[0][0]


def test_a_review_overrides_the_ai_and_a_resolved_dispute_counts(built):
    assert built["result"].returncode == 0
    rows = _query(
        built["warehouse"],
        "select call_uid, criterion_id, ai_verdict, human_verdict, final_verdict, "
        "verdict_source, is_overridden, dispute_status from main.fct_criterion_verdicts "
        "where tenant_id = 't1' and criterion_id = 'closing' order by call_uid",
    )
    got = {r[0]: r[2:] for r in rows}
    assert got["t1-c01"] == ("met", "not_met", "not_met", "human", True, "none")
    assert got["t1-c03"] == ("not_met", "met", "met", "human", True, "resolved")
    assert got["t1-c04"] == ("met", None, "met", "ai", False, "none")
    # final score of t1-c01: greeting met (2) of 4 points → 50; t1-c03: last reviewer's greeting
    final = dict(_query(built["warehouse"], "select call_uid, final_score from main.fct_calls"))
    assert final["t1-c01"] == pytest.approx(50.0)
    assert final["t1-c04"] == pytest.approx(100.0)


def test_calibration_and_reviewer_agreement_marts(built):
    assert built["result"].returncode == 0
    cal = _query(
        built["warehouse"],
        "select criterion_id, reviewed_verdicts, agreeing_verdicts, agreement_rate, cohens_kappa "
        "from main.agg_calibration where tenant_id = 't1' order by criterion_id",
    )
    # closing: 2 reviewed (c01 AI met / human not_met, c03 AI not_met / human met): 0 agree;
    # p_e = 0.5*0.5 + 0.5*0.5 = 0.5 → kappa = (0 - 0.5) / 0.5 = -1
    closing = next(r for r in cal if r[0] == "closing")
    assert closing[1:] == (2, 0, 0.0, -1.0)
    pairs = _query(
        built["warehouse"],
        "select criterion_id, calls_double_reviewed, reviewer_pairs, agreement_rate "
        "from main.agg_reviewer_agreement",
    )
    assert pairs == [("greeting", 1, 1, 0.0)]


def test_reviews_are_append_only_in_delta(built):
    lh = Lakehouse(str(built["warehouse"].parent.parent / "lakehouse"))
    reviews = lh.read(HUMAN_REVIEWS)
    assert reviews.height == 5
    assert sorted(reviews["kind"].to_list()) == [
        "dispute",
        "resolution",
        "review",
        "review",
        "review",
    ]


def test_score_versions_compare_call_by_call(built):
    assert built["result"].returncode == 0
    rows = _query(
        built["warehouse"],
        "select scorecard_version, is_kpi_version, score, score_delta_vs_kpi_version "
        "from main.fct_score_versions where call_uid = 't1-c02' order by scorecard_version",
    )
    # t1-c02 was scored with versions 1 (40) and 2 (60, active): both kept, compared with 2
    assert rows == [("1", False, 40.0, -20.0), ("2", True, 60.0, 0.0)]


#: What a column of a model YAML may hold; anything else is a description cut at a comma
#: (``{name: x, description: Of those, met.}`` parses as description "Of those" and a key "met.").
COLUMN_KEYS = {"name", "description", "data_type", "constraints", "data_tests", "config", "meta"}


def test_no_column_description_is_cut_at_a_comma():
    import yaml

    cut = [
        (path.name, model["name"], column["name"], sorted(set(column) - COLUMN_KEYS))
        for path in sorted((DBT_PROJECT_DIR / "models").rglob("_*.yml"))
        for model in yaml.safe_load(path.read_text()).get("models", [])
        for column in model.get("columns", [])
        if set(column) - COLUMN_KEYS
    ]
    assert cut == [], "quote these descriptions: " + repr(cut)


def test_the_dbt_readme_lists_every_model_once():
    """The README's model table names each model (its grain lives in the model's YAML only)."""
    readme = (DBT_PROJECT_DIR / "README.md").read_text()
    listed = re.findall(r"^\| `((?:stg|int|fct|agg|dim)_\w+)` \|", readme, flags=re.M)
    models = sorted(p.stem for p in (DBT_PROJECT_DIR / "models").rglob("*.sql"))
    assert len(listed) == len(set(listed))
    assert sorted(listed) == models


def test_kpis_are_the_same_after_the_content_purge(built, tmp_path):
    """Six months after the calls their transcripts, segments, quotes and comments go; every
    mart (1-year KPIs) is exactly what it was, model choice and language included."""
    from transforms.compliance.erasure import erase_tables
    from transforms.compliance.retention import plan_retention
    from transforms.core.settings import Settings
    from transforms.core.tables import TRANSCRIPTS
    from transforms.core.tenants import Tenant

    assert built["result"].returncode == 0
    shutil.copytree(built["lakehouse"], tmp_path / "lakehouse")
    settings = Settings.from_env({"CCR_HOME": str(tmp_path)})
    lh = Lakehouse(settings.lakehouse)
    tenants = {t: Tenant(t, t, ("en",), "qa-default") for t in ("t1", "t2")}
    plan = plan_retention(lh, tenants, date(2024, 11, 1), settings)  # calls of 2024-05-01/02
    assert {a.rule for a in plan.work()} == {"content_expired"}
    erase_tables(lh, plan.work())
    assert lh.read(TRANSCRIPTS).is_empty()
    assert lh.read(HUMAN_REVIEWS)["comment"].null_count() == lh.read(HUMAN_REVIEWS).height
    after = tmp_path / "after.build.duckdb"
    result = run_dbt(["build"], tmp_path, settings.lakehouse, after)
    assert result.returncode == 0, result.stdout[-4000:]
    marts = [
        row[0]
        for row in _query(after, "select table_name from information_schema.tables")
        if row[0].startswith(("fct_", "agg_", "dim_"))
    ]
    assert len(marts) >= 12
    for mart in marts:
        query = f"select * from main.{mart} order by all"
        assert _query(after, query) == _query(built["warehouse"], query), mart
