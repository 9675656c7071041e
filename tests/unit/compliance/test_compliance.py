"""`ccr compliance record|breach` and the freshness checks of the landing-to-KPI path."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dagster as dg

from orchestration import cli
from orchestration.definitions import build_definitions
from tests.row_fixtures import call, transcript
from transforms.compliance.breach import breach_facts
from transforms.core.contracts import load_contracts
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.tables import CALLS, TRANSCRIPTS


def test_record_of_processing_links_categories_tables_columns_and_lineage(tmp_path, ccr_home):
    assert cli.main(["compliance", "record", "--out", str(tmp_path / "rec")]) == 0
    record = json.loads((tmp_path / "rec" / "record_of_processing.json").read_text())
    page = (tmp_path / "rec" / "record_of_processing.html").read_text()

    assert {t["table"] for t in record["tables"]} == set(load_contracts())
    categories = {c["category"]: c for c in record["personal_data_categories"]}
    assert "technical metadata" not in categories  # personal data only
    voice = {(u["table"], u["column"]) for u in categories["voice recordings"]["columns"]}
    assert ("bronze.calls", "audio_uri") in voice
    assert "silver.transcripts" in categories["conversation content"]["tables"]
    assert {t["tenant_id"] for t in record["controllers"]} == {"acme-telecom", "globex-energy"}
    activities = {a["activity"]: a for a in record["processing_activities"]}
    assert set(activities) == {"ingest", "transcribe", "score", "review", "kpis", "compliance"}
    assert all(a["description"] for a in activities.values())
    assert "silver/transcripts" in activities["transcribe"]["assets"]
    assert activities["review"]["assets"] == ["silver/human_reviews"]
    assert "silver/scorecard_versions" in activities["score"]["assets"]

    tables = {t["table"]: t for t in record["tables"]}
    transcripts = tables["silver.transcripts"]
    assert transcripts["upstream"] == ["bronze/calls"]  # from the Dagster asset graph
    assert "silver/call_scores" in transcripts["downstream"]
    assert transcripts["retention"]["retentionPeriod"] == "P180D"
    assert "call_uid" in transcripts["erasure"]["row"]
    # column lineage from the dbt manifest, through staging and intermediate models
    daily = {c["name"]: c for c in tables["marts.agg_agent_daily"]["columns"]}
    assert daily["call_date"]["derived_from"] == ["bronze.calls.started_at"]
    assert daily["avg_score"]["derived_from"] == ["silver.call_scores.score"]
    assert daily["calls"]["derived_from"] == []  # count(*): no source column
    fct = {c["name"]: c for c in tables["marts.fct_calls"]["columns"]}
    assert fct["language"]["derived_from"] == [
        "bronze.calls.language",
        "silver.call_scores.language",
    ]

    # review tables and QA marts: classified, and the final verdict traced to the human review
    reviews = {c["name"]: c for c in tables["silver.human_reviews"]["columns"]}
    assert reviews["comment"]["pii_class"] == "direct_identifier"
    assert ("silver.human_reviews", "comment") in {
        (u["table"], u["column"]) for u in categories["professional performance data"]["columns"]
    }
    verdicts = {c["name"]: c for c in tables["marts.fct_criterion_verdicts"]["columns"]}
    assert "silver.human_reviews.verdict" in verdicts["final_verdict"]["derived_from"]
    assert "silver.criterion_results.verdict" in verdicts["final_verdict"]["derived_from"]

    assert "<h3 id='silver.transcripts'>" in page and "6 months" in page
    assert "bronze.calls.started_at" in page


def test_breach_facts_count_people_calls_and_tenants_from_the_lakehouse(ccr_home, capsys):
    lh = Lakehouse(ccr_home.lakehouse)
    caller_a, caller_b = "a" * 64, "b" * 64
    calls = [
        call("u1", "acme-telecom", caller_a, "acme-a01", 2),
        call("u2", "acme-telecom", caller_a, "acme-a02", 3),  # same caller again
        call("u3", "acme-telecom", None, "acme-a01", 3),  # withheld number
        call("u4", "globex-energy", caller_b, "glx-a01", 3),
        call("u5", "globex-energy", caller_b, "glx-a01", 9),  # outside the window
    ]
    lh.merge(CALLS, conform(CALLS, calls))
    lh.merge(
        TRANSCRIPTS,
        conform(
            TRANSCRIPTS,
            [transcript(c["call_uid"], c["tenant_id"]) for c in calls if c["call_uid"] != "u3"],
        ),
    )
    since, until = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 5, tzinfo=UTC)

    facts = breach_facts(lh, load_contracts(), ["silver.transcripts"], None, since, until)
    assert (facts.calls, facts.callers, facts.agents) == (3, 2, 3)  # u3 has no transcript
    assert facts.data_subjects == 5 and facts.tenants == ["acme-telecom", "globex-energy"]
    assert "conversation content" in facts.data_categories
    assert facts.records == {"silver.transcripts": 3}

    facts = breach_facts(lh, load_contracts(), ["bronze.calls"], ["acme-telecom"], since, until)
    assert (facts.calls, facts.callers, facts.agents, facts.calls_without_caller_key) == (
        3,
        1,
        2,
        1,
    )
    assert "voice recordings" in facts.data_categories

    cli.main(["compliance", "breach", "--tables", "calls", "transcripts", "--since",
              "2026-11-01", "--until", "2026-11-05"])  # fmt: skip
    out = capsys.readouterr().out
    assert "tenants affected:      acme-telecom, globex-energy" in out
    assert "calls:                 4" in out and "data subjects:         6" in out


def test_freshness_checks_watch_landing_to_kpis_and_fail_when_stale():
    defs = build_definitions()
    keys = {k for k in defs.resolve_asset_graph().asset_check_keys if k.name == "freshness_check"}
    assert {k.asset_key.to_user_string() for k in keys} == {
        "bronze/calls",
        "silver/call_scores",
        "warehouse/kpis",
    }
    graph = defs.resolve_asset_graph()
    with_policy = {
        k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).freshness_policy
    }
    assert with_policy == {"bronze/calls", "silver/call_scores", "warehouse/kpis"}
    kpis = dg.AssetCheckKey(dg.AssetKey(["warehouse", "kpis"]), "freshness_check")
    fresh = dg.define_asset_job("freshness", selection=dg.AssetSelection.checks(kpis))
    job = dg.Definitions.merge(defs, dg.Definitions(jobs=[fresh])).resolve_job_def("freshness")
    instance = dg.DagsterInstance.ephemeral()

    def evaluate() -> bool:
        result = job.execute_in_process(instance=instance)
        (evaluation,) = result.get_asset_check_evaluations()
        return evaluation.passed

    assert not evaluate()  # never published: overdue
    instance.report_runless_asset_event(dg.AssetMaterialization(["warehouse", "kpis"]))
    assert evaluate()
