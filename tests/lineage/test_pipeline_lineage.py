"""One real run (two sample calls of one tenant: ingest → transcribe → score → dbt → publish) with
``OPENLINEAGE_URL`` pointing at a catalogue's endpoint on loopback: the catalogue gets every
step's events, accepted by the client's generated model, with the right inputs and outputs, and
no personal data."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from orchestration.cli.pipeline import run_pipeline
from tests.lineage.model import validate
from tests.lineage.receiver import receiver
from transforms.compliance.needles import phone_forms
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import REPO_ROOT, Settings
from transforms.core.tables import CALLS, CRITERION_RESULTS, SEGMENTS

pytestmark = pytest.mark.slow

SAMPLES = REPO_ROOT / "samples" / "landing"
TENANT = "acme-telecom"
#: Words per transcript phrase looked for in the events (as the residual scan's phrases).
PHRASE_WORDS = 5


def land_two_calls(settings: Settings) -> list[dict[str, str]]:
    """The first two sample calls of a tenant as one landing batch; their manifest rows."""
    source = next((SAMPLES / TENANT).iterdir())
    lines = (source / "manifest.csv").read_text().splitlines()
    header, rows = lines[0], lines[1:3]
    target = Path(settings.landing) / TENANT / "lineage-1"
    target.mkdir(parents=True)
    for row in rows:
        shutil.copyfile(source / row.split(",")[1], target / row.split(",")[1])
    (target / "manifest.csv").write_text("\n".join([header, *rows]) + "\n")
    names = header.split(",")
    return [dict(zip(names, row.split(","), strict=False)) for row in rows]


@pytest.fixture(scope="module")
def run(module_ccr_home: Settings):
    manifest = land_two_calls(module_ccr_home)
    with pytest.MonkeyPatch.context() as mp, receiver() as got:
        mp.chdir(module_ccr_home.home)  # no openlineage.yml from the checkout
        mp.setenv("OPENLINEAGE_URL", got.url)
        with contextlib.redirect_stdout(io.StringIO()):
            run_pipeline(module_ccr_home)
    return module_ccr_home, manifest, list(got.events)


def completed(events: list[dict]) -> list[dict]:
    return [e for e in events if e["eventType"] == "COMPLETE"]


def writer_of(events: list[dict], suffix: str) -> dict:
    """The one step (not a child run) whose COMPLETE event wrote a dataset named ``…suffix``."""
    found = [
        e
        for e in completed(events)
        if any(o["name"].endswith(suffix) for o in e["outputs"])
        and e["run"]["facets"]["parent"]["job"]["name"].endswith("_job")
    ]
    assert len(found) == 1, [e["job"]["name"] for e in found]
    return found[0]


def names(datasets: list[dict]) -> set[str]:
    return {d["name"] for d in datasets}


def test_every_event_is_valid_and_every_run_starts_and_completes(run):
    _, _, events = run
    assert len(events) >= 40
    for e in events:
        validate(e)
    states = Counter((e["run"]["runId"], e["eventType"]) for e in events)
    runs = {r for r, _ in states}
    assert all(states[(r, "START")] == 1 and states[(r, "COMPLETE")] == 1 for r in runs)
    print(f"{len(events)} events, {len(runs)} runs")  # the figure in the report


def test_ingest_transcribe_score_dbt_publish_have_the_right_inputs_and_outputs(run):
    settings, _, events = run
    lake = settings.lakehouse
    ingest = writer_of(events, "/bronze/calls")
    assert names(ingest["outputs"]) == {f"{lake}/bronze/calls", f"{lake}/bronze/quarantine"}
    assert ingest["inputs"] == []  # landing files are not a dataset of ours
    transcribe = writer_of(events, "/silver/transcripts")
    assert names(transcribe["inputs"]) == {f"{lake}/bronze/calls"}
    assert f"{lake}/silver/transcript_segments" in names(transcribe["outputs"])
    score = writer_of(events, "/silver/call_scores")
    assert names(score["inputs"]) == {
        f"{lake}/silver/transcripts",
        f"{lake}/silver/transcript_segments",
    }
    assert f"{lake}/silver/criterion_results" in names(score["outputs"])
    dbt = writer_of(events, "main.fct_calls")
    assert f"{lake}/silver/call_scores" in names(dbt["inputs"])
    assert all(o["namespace"] == f"duckdb://{settings.kpi_build_database}" for o in dbt["outputs"])
    # One child run per dbt model, its parents as inputs and its column lineage on the mart.
    fct = next(
        e
        for e in completed(events)
        if e["run"]["facets"]["parent"]["run"]["runId"] == dbt["run"]["runId"]
        and names(e["outputs"]) == {"main.fct_calls"}
    )
    assert "main.int_calls__changed" in names(fct["inputs"])
    assert fct["job"]["facets"]["jobType"]["integration"] == "DBT"
    lineage = fct["outputs"][0]["facets"]["columnLineage"]["fields"]
    assert {"name": f"{lake}/silver/call_scores", "field": "score"}.items() <= {
        k: v for k, v in lineage["score"]["inputFields"][0].items() if k in ("name", "field")
    }.items()
    publish = writer_of(events, f"/tenants/{TENANT}.duckdb")
    assert "main.fct_calls" in names(publish["inputs"])
    assert all(o["namespace"] == "file" for o in publish["outputs"])


def test_contract_checks_report_their_rules_as_data_quality(run):
    _, _, events = run
    checked = [i for e in completed(events) for i in e["inputs"] if i.get("inputFacets")]
    tables = {i["name"].rsplit("/lakehouse/", 1)[-1] for i in checked}
    assert {"bronze/calls", "silver/transcripts", "silver/call_scores"} <= tables
    for i in checked:
        assertions = i["inputFacets"]["dataQualityAssertions"]["assertions"]
        assert assertions and all(a["success"] for a in assertions)


def test_no_personal_data_in_any_event(run):
    """Scanned like the residual scan: the calls' identifiers, the callers' numbers in every
    written form, their pseudonyms, the agents' ids, the evidence quotes and runs of words from
    the transcripts."""
    settings, manifest, events = run
    text = "\n".join(json.dumps(e, ensure_ascii=False) for e in events)
    lh = Lakehouse(settings.lakehouse)
    calls = lh.read(CALLS)
    needles: dict[str, str] = {}
    for column in ("call_id", "call_uid", "caller_key", "agent_id"):
        for value in calls[column].drop_nulls().unique():
            needles[str(value)] = column
    for row in manifest:
        for key, value in row.items():
            if "phone" in key and value:
                needles |= {form: "phone" for form in phone_forms(value)}
    for quote in lh.read(CRITERION_RESULTS)["evidence_quote"].drop_nulls().unique():
        if len(quote) >= 12:
            needles[quote] = "evidence_quote"
    segments = lh.read(SEGMENTS).filter(pl.col("text").str.len_chars() > 0)
    for seg in segments["text"].to_list():
        words = re.findall(r"\w+", seg)
        for i in range(0, max(0, len(words) - PHRASE_WORDS), PHRASE_WORDS):
            needles[" ".join(words[i : i + PHRASE_WORDS])] = "transcript"
    assert len(needles) > 20
    words_only = " ".join(re.findall(r"\w+", text))
    found = {
        n: kind
        for n, kind in needles.items()
        if n in text or (kind == "transcript" and n in words_only)
    }
    assert not found, sorted(set(found.values()))
