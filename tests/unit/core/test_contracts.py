"""Data contracts: valid ODCS, the source of the real Delta tables, in step with dbt, loud drift."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import open_data_contract_standard as odcs_package
import polars as pl
import pyarrow as pa
import pytest
import yaml
from deltalake import DeltaTable, write_deltalake
from open_data_contract_standard.model import OpenDataContractStandard

from transforms.core.contracts import (
    CONTRACTS_DIR,
    DATA_CATEGORIES,
    ContractError,
    category_periods,
    load_contracts,
    parse,
    scaffold,
)
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.settings import REPO_ROOT
from transforms.core.tables import (
    ALL_TABLES,
    COMPLIANCE_TABLES,
    REJECTED_ROWS,
    SEGMENTS,
    TableSpec,
    check_registry,
    registry_problems,
)

CONTRACTS = load_contracts()
DELTA_TABLES = (*ALL_TABLES, *COMPLIANCE_TABLES)
#: dbt model YAMLs of the marts (_marts__models.yml, _qa__models.yml): every mart has a contract.
MART_YAMLS = sorted((REPO_ROOT / "dbt_project" / "models" / "marts").glob("_*__models.yml"))
SCHEMA_JSON = json.loads((Path(odcs_package.__file__).parent / "schema.json").read_text())


def test_every_contract_is_valid_odcs_and_fully_classified():
    import jsonschema

    files = sorted(CONTRACTS_DIR.glob("*.odcs.yaml"))
    marts = [m for y in MART_YAMLS for m in yaml.safe_load(y.read_text())["models"]]
    assert len(files) == len(DELTA_TABLES) + len(marts)  # one per Delta table and per mart
    for path in files:
        raw = yaml.safe_load(path.read_text())
        OpenDataContractStandard.model_validate(raw)
        jsonschema.validate(raw, SCHEMA_JSON)
    for c in CONTRACTS.values():
        assert c.purpose and c.owner == "team:data-platform", c.name
        assert c.retention["retentionPeriod"].startswith("P"), c.name
        assert c.erasure["row"] and c.erasure["tenant"], c.name
        assert c.key, c.name
    used = {col.data_category for c in CONTRACTS.values() for col in c.columns}
    assert used == set(DATA_CATEGORIES)  # every DPA §4.3 category is somewhere


def test_retention_follows_the_design():
    """Content 180 days, evaluations 365 days (CNIL 2014-474), quarantine 30 days, the processing
    log 3 years; in whole days, never longer than the 6 months or the year they stand for."""
    period = {n: str(c.retention_period) for n, c in CONTRACTS.items()}
    for name in ("silver.transcripts", "silver.transcript_segments"):
        assert period[name] == "P180D" and CONTRACTS[name].retention_category == "content"
    for name in ("bronze.calls", "silver.call_scores", "silver.criterion_results"):
        assert period[name] == "P365D" and CONTRACTS[name].retention_category == "evaluation"
    assert period["bronze.quarantine"] == period["bronze.rejected_rows"] == "P30D"
    assert period["compliance.processing_log"] == "P3Y"
    # the call facts live a year, the caller pseudonym and the recording 6 months
    calls = CONTRACTS["bronze.calls"]
    assert calls.column("caller_key").retention_category == "content"
    assert calls.column("audio_uri").object_uri
    for name, column in (
        ("silver.criterion_results", "evidence_quote"),
        ("silver.call_categories", "evidence_quote"),
        ("silver.human_reviews", "comment"),
    ):
        col = CONTRACTS[name].column(column)
        assert col.retention_category == "content" and not col.required, (name, column)
    for c in CONTRACTS.values():
        if c.layer != "compliance":
            assert "30 days after the end of the contract" in c.retention["afterContractEnd"]
    assert category_periods()["content"] < category_periods()["evaluation"]


def test_every_retention_anchor_is_a_column_of_its_table():
    for c in CONTRACTS.values():
        anchor = c.retention_anchor
        if anchor is None:  # only marts without a time column: rebuilt from what is kept
            assert c.retention_category == "marts", c.name
            continue
        column = c.column(anchor)
        assert anchor == "call_uid" or column.physical_type in (
            "timestamp",
            "date",
            "timestamp with time zone",
        ), c.name


def test_a_retention_the_code_cannot_act_on_fails_to_load(tmp_path):
    source = (CONTRACTS_DIR / "silver.call_scores.odcs.yaml").read_text()
    for broken, message in (
        ("retentionPeriod: P365D", "retentionPeriod: P1M"),
        ("retentionAnchor: call_uid", "retentionAnchor: started_at"),
        ("retentionCategory: evaluation", "retentionCategory: forever"),
    ):
        path = tmp_path / "silver.call_scores.odcs.yaml"
        path.write_text(source.replace(broken, message))
        with pytest.raises(ContractError, match=r"silver.call_scores.odcs.yaml: retention"):
            parse(path)


def test_each_contract_matches_the_real_delta_table_and_its_properties(tmp_path):
    lh = Lakehouse(str(tmp_path))
    for spec in DELTA_TABLES:
        contract = CONTRACTS[f"{spec.layer}.{spec.name}"]
        table = lh.ensure(spec)
        reopened = DeltaTable(lh.uri(spec))
        fields = {f.name: f for f in pa.schema(reopened.schema().to_arrow())}
        assert list(fields) == [c.name for c in contract.columns], spec.path
        for col in contract.columns:
            assert fields[col.name].nullable == (not col.required), (spec.path, col.name)
        assert reopened.metadata().partition_columns == list(contract.partition_by)
        config = table.metadata().configuration
        assert config["delta.enableDeletionVectors"] == "false"
        assert config["delta.logRetentionDuration"] == "interval 30 days"
        stats = config["delta.dataSkippingStatsColumns"].split(",")
        personal = {c.name for c in contract.columns if c.personal}
        assert not (set(stats) & personal - set(contract.key) - set(contract.partition_by))
        assert set(contract.key) <= set(stats)
        lh.verify(spec)  # no drift: silent


def test_transcript_text_and_caller_pseudonym_never_feed_statistics():
    calls, segments = CONTRACTS["bronze.calls"], CONTRACTS["silver.transcript_segments"]
    assert {"caller_key", "agent_id", "audio_uri"} <= set(calls.stats_excluded)
    assert "text" in segments.stats_excluded
    assert CONTRACTS["silver.transcripts"].column("customer_text").pii_class == "special_category"


DBT_TYPES = {"varchar": "string", "double": "number", "integer": "integer", "bigint": "integer"}
DBT_TYPES |= {"boolean": "boolean", "date": "date", "timestamp with time zone": "timestamp"}
DBT_TYPES |= {"hugeint": "integer"}  # DuckDB's sum() of integers


def test_mart_contracts_match_the_dbt_model_yaml():
    models = [m for y in MART_YAMLS for m in yaml.safe_load(y.read_text())["models"]]
    assert {f"marts.{m['name']}" for m in models} == {
        n for n, c in CONTRACTS.items() if c.layer == "marts"
    }
    for model in models:
        contract = CONTRACTS[f"marts.{model['name']}"]
        assert model["config"]["contract"]["enforced"] is True
        dbt_cols = [(c["name"], c["data_type"]) for c in model["columns"]]
        ours = [(c.name, c.physical_type) for c in contract.columns]
        assert ours == dbt_cols, model["name"]
        for c in model["columns"]:
            col = contract.column(c["name"])
            assert col.logical_type == DBT_TYPES[c["data_type"]]
            tests = [t if isinstance(t, str) else next(iter(t)) for t in c.get("data_tests", [])]
            # not null: a constraint dbt-duckdb enforces on insert, or a test
            constraints = [k["type"] for k in c.get("constraints", [])]
            not_null = "not_null" in tests or "not_null" in constraints
            assert col.required == not_null, (model["name"], c["name"])


def segment(i: int, **over) -> dict:
    row = {
        "call_uid": "c1",
        "tenant_id": "acme-telecom",
        "model_id": "m",
        "segment_index": i,
        "speaker": "agent",
        "channel": 0,
        "start_s": float(i),
        "end_s": float(i) + 1.0,
        "text": "bonjour",
        "avg_logprob": -0.2,
        "no_speech_prob": 0.01,
        "words": [{"word": " bonjour", "start_s": float(i), "end_s": i + 1.0, "probability": 0.9}],
        "confidence": 0.9,
        "speaker_confidence": None,
        "compression_ratio": 1.0,
        "flag": False,
        "flag_reason": None,
        "primed": False,
        "unprimed_words": [],
    }
    return row | over


def test_a_renamed_or_retyped_column_in_a_live_table_fails_loudly(tmp_path):
    lh = Lakehouse(str(tmp_path))
    drifted = conform(SEGMENTS, [segment(0)]).rename_columns(
        ["who" if n == "speaker" else n for n in SEGMENTS.schema.names]
    )
    write_deltalake(lh.uri(SEGMENTS), drifted, partition_by=["tenant_id"])
    with pytest.raises(ContractError) as err:
        lh.merge(SEGMENTS, conform(SEGMENTS, [segment(1)]))
    message = str(err.value)
    assert "silver.transcript_segments: column 'speaker' is in the contract but not" in message
    assert "silver.transcript_segments: column 'who' is in the Delta table" in message

    retyped = tmp_path / "other"
    lh2 = Lakehouse(str(retyped))
    data = conform(SEGMENTS, [segment(0)])
    data = data.set_column(
        data.schema.get_field_index("channel"), "channel", data["channel"].cast(pa.string())
    )
    write_deltalake(lh2.uri(SEGMENTS), data, partition_by=["tenant_id"])
    with pytest.raises(ContractError, match=r"column 'channel' is string in the Delta table"):
        lh2.ensure(SEGMENTS)


def test_a_column_added_in_code_but_not_in_the_contract_is_named():
    with pytest.raises(ContractError, match=r"silver.transcript_segments: columns \['unported'\]"):
        conform(SEGMENTS, [segment(0, unported="x")])
    # The merge workflow: a TableSpec still defined in Python (another branch) vs the contracts.
    extended = TableSpec(
        "silver",
        "transcript_segments",
        SEGMENTS.schema.append(pa.field("unported", pa.string())),
        key=SEGMENTS.key,
        description="",
    )
    # (column and table names no branch uses, so later contracts cannot make them exist)
    notes = TableSpec(
        "silver", "agent_notes", pa.schema([("note_id", pa.string())]), ("note_id",), ""
    )
    assert registry_problems((extended, notes)) == [
        "silver.transcript_segments: column 'unported' is in transforms/core/tables.py but not in "
        "the contract",
        "silver.agent_notes: no contract data_contracts/silver.agent_notes.odcs.yaml (write "
        "one with transforms.core.contracts.scaffold)",
    ]
    with pytest.raises(ContractError, match="Adding a column"):
        check_registry((extended,))


def test_scaffold_gives_a_valid_odcs_draft_that_refuses_to_load_until_classified(tmp_path):
    text = scaffold(
        "silver", "human_reviews", pa.schema([("review_id", pa.string())]), ("review_id",), "x"
    )
    OpenDataContractStandard.model_validate(yaml.safe_load(text))
    path = tmp_path / "silver.human_reviews.odcs.yaml"
    path.write_text(text)
    with pytest.raises(ContractError, match="column review_id: customProperties piiClass"):
        parse(path)


def test_rows_breaking_a_row_rule_go_to_rejected_rows_with_the_rule_name(tmp_path):
    lh = Lakehouse(str(tmp_path), run_id="run-1")
    rows = [segment(0), segment(1, speaker="robot"), segment(2, end_s=1.0), segment(3)]
    counts = lh.merge(SEGMENTS, conform(SEGMENTS, rows))
    assert counts["num_target_rows_inserted"] == 2 and counts["num_rows_rejected"] == 2
    assert sorted(lh.read(SEGMENTS)["segment_index"]) == [0, 3]
    rejected = lh.read(REJECTED_ROWS).sort("rule")
    assert rejected["rule"].to_list() == ["segment_ends_after_start", "speaker_known"]
    assert rejected["table_name"].unique().to_list() == ["silver.transcript_segments"]
    assert rejected["run_id"].unique().to_list() == ["run-1"]
    row = json.loads(rejected.filter(pl.col("rule") == "speaker_known")["row_json"][0])
    assert row["speaker"] == "robot"  # kept whole, so it can be corrected and replayed
    # idempotent: the same bad rows again add nothing
    lh.merge(SEGMENTS, conform(SEGMENTS, rows))
    assert lh.read(REJECTED_ROWS).height == 2 and lh.read(SEGMENTS).height == 2


def test_the_caller_key_rule_rejects_a_phone_number_in_clear(tmp_path):
    from transforms.core.tables import CALLS

    lh = Lakehouse(str(tmp_path))
    now = datetime(2026, 11, 2, tzinfo=UTC)
    call = {
        "call_uid": "u1", "tenant_id": "acme-telecom", "call_id": "c1", "batch_id": "b",
        "agent_id": "a1", "team": None, "campaign": None, "caller_key": "+33639980123",
        "started_at": now, "language": "fr", "channel_layout": "agent-left",
        "audio_uri": "x", "audio_sha256": "0" * 64, "audio_format": "mp3", "duration_s": 3.0,
        "channels": 2, "sample_rate": 8000, "file_size_bytes": 10, "ingested_at": now,
    }  # fmt: skip
    lh.merge(CALLS, conform(CALLS, [call]))
    assert lh.read(CALLS).height == 0
    assert lh.read(REJECTED_ROWS)["rule"].to_list() == ["caller_key_is_a_pseudonym"]


def test_gx_suite_from_the_contract_reports_rules_and_counts_never_values():
    from transforms.quality.expectations import validate

    contract = CONTRACTS["silver.transcript_segments"]
    good = pl.from_arrow(conform(SEGMENTS, [segment(0), segment(1)]))
    assert validate(contract, good).success
    bad = pl.from_arrow(conform(SEGMENTS, [segment(0), segment(0, speaker="zz-secret")]))
    result = validate(contract, bad)
    assert not result.success
    assert {r.rule for r in result.blocking_failures} == {"key_unique", "speaker_known"}
    assert result.summary()["speaker_known"] == {"unexpected": 1, "of": 2}
    assert "zz-secret" not in repr(result) and "bonjour" not in repr(result)
