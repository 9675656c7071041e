"""The whole path on the shipped sample calls, with the real Whisper model, Delta and dbt.

One module-scoped run of ``ccr``'s pipeline (Dagster jobs executed on a real instance), then checks
of every layer against numbers computed independently from the sample ground truth and the
silver tables.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from orchestration.cli.common import SAMPLE_LANDING, SAMPLES_AS_OF, run_log
from orchestration.cli.pipeline import land, run_pipeline
from tests.tenant_files import assert_only_its_own_rows
from transforms.compliance import step as compliance_step
from transforms.core.context import StepContext
from transforms.core.crypto import SEAL_MAGIC
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import REPO_ROOT, Settings
from transforms.core.tables import (
    ALL_TABLES,
    CALL_METRICS,
    CALL_SCORES,
    CALLS,
    CRITERION_RESULTS,
    HUMAN_REVIEWS,
    PROCESSING_LOG,
    QUARANTINE,
    SCORECARD_VERSIONS,
    SEGMENTS,
    TRANSCRIPTS,
)
from transforms.kpis.publish import all_tenants, tenant_database
from transforms.review.reviews import REVIEW_COLUMNS

pytestmark = pytest.mark.slow

GROUND_TRUTH = [
    json.loads(line)
    for line in (REPO_ROOT / "samples" / "ground_truth.jsonl").read_text().splitlines()
    if line.strip()
]
#: The share of sample verdicts that may wait for a person (flagged ``needs_review``). Measured:
#: 0 of 112 on one 2-core machine, 1 on another (beam 5, 1 or 2 workers, 1 or 2 threads), 2 with
#: beam 4: what Whisper hears differs a little between CPUs and settings. 8 % is 9 verdicts.
MAX_FLAGGED_SHARE = 0.08
#: The two deliberately bad sample files and what must be said about them.
EXPECTED_QUARANTINE = {
    "acme-20261105-0099.wav": {"unsupported_format"},  # text bytes: not a container we accept
    "glx-20261105-0099.mp3": {"undecodable", "no_audio"},
}


@contextlib.contextmanager
def published(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """Every tenant's published database attached read-only, its marts as views over all."""
    with duckdb.connect() as con:
        all_tenants(con, settings.warehouse)
        yield con


#: What the first run printed on the terminal.
FIRST_RUN: dict[str, str] = {}


@pytest.fixture(scope="module")
def env(module_ccr_home):
    from orchestration.cli import main

    # As on the audited machine: umask 022. `ccr land` is the process edge that closes it
    # (and the home, the first time it meets it), as `ccr demo` would.
    os.umask(0o022)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["land", str(SAMPLE_LANDING)]) == 0
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        run_pipeline(module_ccr_home, as_of=SAMPLES_AS_OF)  # as `ccr demo` runs it
    FIRST_RUN["stdout"] = printed.getvalue()
    return module_ccr_home


def counts(settings: Settings) -> dict[str, int]:
    lh = Lakehouse(settings.lakehouse)
    out = {spec.path: lh.read(spec).height for spec in ALL_TABLES}
    with published(settings) as con:
        for mart in (
            "fct_calls",
            "agg_agent_daily",
            "fct_criterion_verdicts",
            "agg_qa_kpis",
            "fct_call_categories",
        ):
            out[mart] = con.execute(f"select count(*) from {mart}").fetchone()[0]
    return out


def test_the_terminal_gets_a_line_per_stage_and_dbt_output_goes_to_its_log(env):
    lines = FIRST_RUN["stdout"].splitlines()
    assert len(lines) <= 8, lines  # 2 batches, the KPI build and where its output went
    assert sum(line.startswith("batch ") and line.endswith(" s") for line in lines) == 2
    assert not any("START sql" in line for line in lines)
    log = run_log(env).read_text()
    assert re.search(r"Done\. PASS=\d+ WARN=0 ERROR=0", log)
    assert str(run_log(env)) in FIRST_RUN["stdout"]


def test_every_layer_has_one_row_per_good_call(env):
    lh = Lakehouse(env.lakehouse)
    n = len(GROUND_TRUTH)
    assert n >= 12
    calls = lh.read(CALLS)
    assert sorted(calls["call_id"]) == sorted(c["call_id"] for c in GROUND_TRUTH)
    assert calls["tenant_id"].n_unique() == 2
    assert lh.read(TRANSCRIPTS).height == n
    assert lh.read(CALL_METRICS).height == n
    assert lh.read(CALL_SCORES).height == n
    criteria = lh.read(CRITERION_RESULTS)
    assert criteria.height == n * 7
    segments = lh.read(SEGMENTS)
    speakers = segments.group_by("call_uid").agg(pl.col("speaker").n_unique().alias("n"))
    assert speakers.height == n and speakers["n"].min() == 2  # agent and customer apart


def test_bad_sample_files_are_in_quarantine_with_their_bytes(env):
    lh = Lakehouse.from_settings(env)
    q = lh.read(QUARANTINE)
    got = {r["file_name"]: r for r in q.iter_rows(named=True)}
    assert set(got) == set(EXPECTED_QUARANTINE)
    for name, codes in EXPECTED_QUARANTINE.items():
        assert got[name]["reason_code"] in codes
        # kept sealed with the tenant's data key; they open to the bytes that landed
        stored = Path(got[name]["quarantine_uri"]).read_bytes()
        assert stored.startswith(SEAL_MAGIC)
        kept = lh.unseal(got[name]["tenant_id"], stored)
        assert len(kept) == got[name]["file_size_bytes"]
        assert hashlib.sha256(kept).hexdigest() == got[name]["file_sha256"]
    assert not [p for p in Path(env.landing).rglob("*") if p.is_file()]


def test_transcripts_have_the_declared_language_and_timestamps(env):
    lh = Lakehouse(env.lakehouse)
    t = lh.read(TRANSCRIPTS).join(
        lh.read(CALLS).select("call_uid", "language"), on="call_uid", suffix="_declared"
    )
    assert (t["language"] == t["language_declared"]).all()
    # recorded for every call (its speed is a benchmark's figure, never a test's: load moves it)
    assert (t["real_time_factor"] > 0).all() and (t["transcribe_seconds"] > 0).all()
    s = lh.read(SEGMENTS)
    assert (s["end_s"] > s["start_s"]).all() and (s["start_s"] >= 0).all()


def test_criteria_verdicts_are_right_or_sent_to_a_person(env):
    """The product's promise, not one machine's transcript: CTranslate2's int8 kernels differ
    between CPUs, so a phrase can come out a little differently ("je m'appellais") and score just
    under the threshold. Such a verdict must be flagged for review, never silently wrong."""
    lh = Lakehouse.from_settings(env)
    ids = lh.read(CALLS).select("call_uid", "call_id")
    verdicts = lh.read(CRITERION_RESULTS, decrypt=True).join(ids, on="call_uid")
    got = {(r["call_id"], r["criterion_id"]): r for r in verdicts.iter_rows(named=True)}
    labelled = [
        (call["call_id"], criterion, expected)
        for call in GROUND_TRUTH
        for criterion, expected in call["labels"].items()
    ]
    assert len(labelled) == verdicts.height
    silently_wrong = [
        (call_id, criterion, expected)
        for call_id, criterion, expected in labelled
        if got[(call_id, criterion)]["met"] != expected
        and not got[(call_id, criterion)]["needs_review"]
    ]
    assert silently_wrong == []
    flagged = sum(bool(got[(c, k)]["needs_review"]) for c, k, _ in labelled)
    assert flagged <= MAX_FLAGGED_SHARE * len(labelled), f"{flagged} verdicts wait for a person"
    # each verdict that found a phrase shows it: quote, time and speaker
    said = verdicts.filter(pl.col("evidence_quote").is_not_null())
    assert said.height > 0
    assert (
        said["evidence_start_s"].is_not_null().all() and (said["evidence_speaker"] == "agent").all()
    )


def test_kpis_agree_with_the_silver_tables(env):
    lh = Lakehouse(env.lakehouse)
    expected = (
        lh.read(CALL_SCORES)
        .join(lh.read(CALL_METRICS), on=["call_uid", "tenant_id", "model_id"])
        .join(lh.read(CALLS).select("call_uid", "agent_id", "started_at"), on="call_uid")
        .with_columns(call_date=pl.col("started_at").dt.convert_time_zone("UTC").dt.date())
        .group_by("tenant_id", "agent_id", "call_date")
        .agg(
            calls=pl.len(),
            avg_score=pl.col("score").mean(),
            pass_rate=pl.col("passed").cast(pl.Float64).mean(),
            avg_agent_talk_share=pl.col("agent_talk_share").mean(),
            avg_silence_s=pl.col("silence_s").mean(),
        )
        .sort("tenant_id", "agent_id", "call_date")
    )
    with published(env) as con:
        got = con.sql(
            "select tenant_id, agent_id, call_date, calls, avg_score, pass_rate, "
            "avg_agent_talk_share, avg_silence_s from agg_agent_daily order by 1, 2, 3"
        ).pl()
        fct = con.execute("select count(*), sum(score) from fct_calls").fetchone()
    assert got.height == expected.height
    assert got["calls"].cast(pl.Int64).to_list() == expected["calls"].cast(pl.Int64).to_list()
    for col in ("avg_score", "pass_rate", "avg_agent_talk_share", "avg_silence_s"):
        assert got[col].to_list() == pytest.approx(expected[col].to_list(), abs=1e-6), col
    assert fct[0] == len(GROUND_TRUTH)
    assert fct[1] == pytest.approx(lh.read(CALL_SCORES)["score"].sum())


def test_each_tenant_has_its_database_and_report_with_no_foreign_row(env):
    """What `make demo` leaves where BI reads: one file per tenant, nothing else, and in each
    file, every table and every column, only that tenant's rows."""
    calls = Lakehouse(env.lakehouse).read(CALLS)
    calls_of = dict(zip(calls["call_uid"], calls["tenant_id"], strict=True))
    agents = set(zip(calls["tenant_id"], calls["agent_id"], strict=True))
    tenants_dir = Path(env.warehouse) / "tenants"
    tenants = sorted(set(calls["tenant_id"]))
    assert sorted(p.name for p in Path(env.warehouse).iterdir()) == ["tenants"]
    assert sorted(p.name for p in tenants_dir.iterdir() if p.is_file()) == sorted(
        f"{t}.{ext}" for t in tenants for ext in ("duckdb", "html")
    )
    for tenant in tenants:
        database = tenant_database(env.warehouse, tenant)
        assert stat.S_IMODE(database.stat().st_mode) == 0o400  # no bi_group in the demo
        assert_only_its_own_rows(database, tenant, calls_of, agents)
        with duckdb.connect(str(database), read_only=True) as con:
            assert con.execute("select count(*) from fct_calls").fetchone()[0] == sum(
                t == tenant for t in calls_of.values()
            )
    assert not list((Path(env.home) / "build").glob("*.duckdb.wal"))  # dbt closed its file


def test_running_again_changes_no_row_count(env):
    before = counts(env)
    # dagster-dbt gives each build its own target folder (under CCR_HOME, with the data it was
    # built from): the old ones must not pile up, and none is left in the repository
    target = Path(env.dbt_target_dir)
    assert not list((REPO_ROOT / "dbt_project" / "target").glob("kpi_models-*"))
    stale = [target / f"kpi_models-stale{i}-test" for i in range(6)]
    for folder in stale:
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder, (1_000_000, 1_000_000))
    land(SAMPLE_LANDING, env)
    run_pipeline(env, as_of=SAMPLES_AS_OF)
    assert counts(env) == before
    # at least 8 were there (the 6 stale ones, the first run's and this run's builds): the 5
    # newest are kept, so this run's build stays and at least 3 stale ones are gone
    left = sorted(target.glob("kpi_models-*"), key=lambda f: f.stat().st_mtime)
    assert len(left) == 5 and left[-1] not in stale
    assert sum(not folder.exists() for folder in stale) >= 3


def test_the_runs_decide_for_the_demo_date_given_in_their_run_config(env):
    """`ccr demo`'s date reaches every run through the settings resource's config (what the
    Dagster UI shows and what a Celery worker receives), not through the clock."""
    runs = dg.DagsterInstance.from_config(env.dagster_home).get_runs()
    jobs = {r.job_name for r in runs}
    assert {"call_batch_job", "kpi_job"} <= jobs
    dates = {r.run_config["resources"]["settings"]["config"].get("as_of") for r in runs[-3:]}
    assert dates == {str(SAMPLES_AS_OF)}  # the first run's two batches and its KPI build


#: A year after the samples: the date `make demo` and `make test` are checked at with faketime.
A_YEAR_ON = date(2027, 12, 1)


def test_retention_planned_for_a_given_date_not_the_machines(env):
    """The demo's lakehouse planned through the context, without faking the clock. On the demo's
    date nothing is due; a year on every sample call has outlived its content (180 days) and
    evaluation (365 days) periods: its rows and recordings go, and no tenant is purged (both
    contracts run)."""
    uids = Lakehouse(env.lakehouse).read(CALLS).group_by("tenant_id").agg("call_uid")
    calls = {t: set(u) for t, u in uids.iter_rows()}
    at_demo = compliance_step.plan(StepContext.of(env, today=SAMPLES_AS_OF))
    assert at_demo.as_of == SAMPLES_AS_OF and at_demo.work() == ()
    year_on = compliance_step.plan(StepContext.of(env, today=A_YEAR_ON))
    assert year_on.as_of == A_YEAR_ON and not year_on.purged_tenants()
    work = year_on.work()
    for tenant, theirs in calls.items():
        mine = [a for a in work if a.tenant_id == tenant]
        gone = [a for a in mine if a.table == "bronze.calls" and a.action == "delete_rows"]
        assert [a.rule for a in gone] == ["evaluation_expired"]
        assert gone[0].calls == theirs
        (audio,) = [a for a in mine if a.table == "files:audio"]
        assert audio.calls == theirs and audio.file_count >= len(theirs)
        keep = [a.rule for a in year_on.actions if a.tenant_id == tenant and a.action == "keep"]
        assert "contract_running" in keep


def test_a_bad_file_dropped_later_is_quarantined_and_nothing_else_moves(env, tmp_path):
    before = counts(env)
    batch = tmp_path / "drop" / "globex-energy" / "2026-11-20"
    batch.mkdir(parents=True)
    (batch / "glx-20261120-0001.wav").write_bytes(b"RIFF....WAVEfmt " + os.urandom(64))
    src = next((SAMPLE_LANDING / "globex-energy").glob("*/manifest.csv"))
    header, first = src.read_text().splitlines()[:2]
    fields = dict(zip(header.split(","), first.split(","), strict=True))
    fields.update(call_id="glx-20261120-0001", file_name="glx-20261120-0001.wav")
    (batch / "manifest.csv").write_text(
        header + "\n" + ",".join(fields[h] for h in header.split(",")) + "\n"
    )
    land(tmp_path / "drop", env)
    run_pipeline(env)
    after = counts(env)
    assert after.pop("bronze/quarantine") == before.pop("bronze/quarantine") + 1
    assert after == before
    q = Lakehouse(env.lakehouse).read(QUARANTINE).filter(pl.col("batch_id") == "2026-11-20")
    assert q["reason_code"].to_list() == ["undecodable"] and q["reason"][0]
    shutil.rmtree(tmp_path / "drop")


def test_notebooks_run_top_to_bottom_on_the_demo_lakehouse(env):
    import nbformat
    from nbclient import NotebookClient

    for path in sorted((REPO_ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=300, kernel_name="python3").execute()
        errors = [
            o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"
        ]
        assert errors == [], path.name


def test_caller_numbers_are_nowhere_in_the_lakehouse_nor_the_dagster_logs(env):
    phones = set()
    for manifest in SAMPLE_LANDING.glob("*/*/manifest.csv"):
        for line in manifest.read_text().splitlines()[1:]:
            phones.add(line.split(",")[6])
    assert len(phones) >= 10 and all(p.startswith("+") for p in phones)
    needles = {p.encode() for p in phones} | {p[1:].encode() for p in phones}
    scanned = 0
    for root in (Path(env.lakehouse), Path(os.environ["DAGSTER_HOME"]), Path(env.warehouse)):
        for path in root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                scanned += 1
                assert not any(n in data for n in needles), path
    assert scanned > 50


#: Number words a customer reads a phone, contract or account number with (fr and en).
_NUMBERS = (
    "zéro un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze "
    "seize vingt trente quarante cinquante soixante cent cents mille et "
    "oh zero one two three four five six seven eight nine ten hundred double"
)
_NUMBER_WORDS = frozenset(_NUMBERS.split())


def _normalise(text: str) -> str:
    """Lower case, words only: 'Zéro six, trente-neuf' and 'zéro six trente neuf' compare equal."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def spoken_pii(dialogues: dict) -> set[str]:
    """What the sample customers say that identifies them, in the words form ASR hears.

    Runs of four or more number words (phone, contract and account numbers read out) and the
    spoken local part of e-mail addresses ("nicolas point roussel", "tom dot baker").
    """
    found = set()
    for call in dialogues["calls"]:
        for turn in call["turns"]:
            said = _normalise(turn.get("customer", ""))
            words = said.split()
            run: list[str] = []
            for w in [*words, "."]:
                if w in _NUMBER_WORDS:
                    run.append(w)
                    continue
                if len([x for x in run if x != "et"]) >= 4:
                    found.add(" ".join(run))
                run = []
            found |= {
                m for m in re.findall(r"[a-z]+ (?:point|dot) [a-z]+(?= (?:arobase|at))", said)
            }
    return found


def test_no_phone_number_nor_spoken_pii_in_the_dagster_event_log_and_run_logs(env):
    import yaml

    dialogues = yaml.safe_load((REPO_ROOT / "samples" / "dialogues.yaml").read_text())
    spoken = spoken_pii(dialogues)
    assert "zéro six trente neuf quatre vingt dix huit zéro un vingt trois" in spoken
    assert {"oh seven seven double oh nine hundred four five six", "tom dot baker"} <= spoken
    assert len(spoken) >= 10
    digits = set()
    for call in dialogues["calls"]:
        e164 = call["caller_phone"]
        national = "0" + e164[3:] if e164.startswith(("+33", "+44")) else e164
        digits |= {e164, e164[1:], national}
    home = Path(os.environ["DAGSTER_HOME"])
    files = [p for p in home.rglob("*") if p.is_file()]
    event_logs = [p for p in files if p.suffix == ".db"]
    assert event_logs and any("runs" in p.parts for p in event_logs)  # per-run event logs
    scanned_bytes = 0
    for path in files:
        raw = path.read_bytes()
        scanned_bytes += len(raw)
        text = raw.decode("utf-8", errors="ignore")
        flat = _normalise(text)
        hits = [d for d in digits if d in text] + [s for s in spoken if f" {s} " in f" {flat} "]
        assert hits == [], f"{path.relative_to(home)} holds personal data ({len(hits)} hits)"
    # the scan reads what it claims to: the event log does hold the runs' step names in clear
    assert "call_batch_job" in "".join(
        p.read_bytes().decode("utf-8", errors="ignore") for p in event_logs
    )
    assert scanned_bytes > 100_000


def test_every_asset_of_every_run_is_in_the_processing_log(env):
    from orchestration.definitions import build_definitions

    log = Lakehouse(env.lakehouse).read(PROCESSING_LOG)
    assets = {
        k.to_user_string() for k in build_definitions().resolve_asset_graph().get_all_asset_keys()
    }
    assert set(log["asset_key"]) >= {"bronze/calls", "silver/transcripts", "warehouse/kpis"}
    assert set(log["asset_key"]) <= assets
    assert set(log["status"]) == {"success"}
    first = log.filter(pl.col("asset_key") == "silver/transcripts").sort("logged_at")
    assert set(first["tenant_id"]) == {"acme-telecom", "globex-energy"}
    assert first["rows_out"].sum() == len(GROUND_TRUTH)  # each call transcribed once, then skipped
    assert log.filter(pl.col("asset_key") == "bronze/calls")["rows_rejected"].sum() == 0
    # every scoring table is logged, and no contract rule set aside a row the pipeline wrote
    scoring = {"call_metrics", "call_scores", "criterion_results"}
    scoring |= {"scorecard_versions", "call_categories"}
    assert {f"silver/{t}" for t in scoring} <= set(log["asset_key"])
    assert log["rows_rejected"].fill_null(0).sum() == 0


def test_qa_marts_cover_every_verdict_with_the_active_version(env):
    lh = Lakehouse(env.lakehouse)
    n = len(GROUND_TRUTH)
    versions = lh.read(SCORECARD_VERSIONS)
    assert versions.filter(pl.col("is_active"))["scorecard_version"].unique().to_list() == ["1"]
    with published(env) as con:
        verdicts = con.sql("select * from fct_criterion_verdicts").pl()
        kpis = con.sql(
            "select dimension, period, sum(calls) as calls from agg_qa_kpis group by all"
        ).pl()
        topics = con.execute("select count(distinct call_uid) from fct_call_categories").fetchone()
    assert verdicts.height == n * 7 and (verdicts["scorecard_version"] == "1").all()
    assert (verdicts["final_verdict"] == verdicts["ai_verdict"]).all()  # no review yet
    # every AI verdict is KPI-eligible unless it waits for a person
    assert (verdicts["is_kpi_eligible"] == ~verdicts["ai_needs_review"]).all()
    assert set(kpis["calls"].to_list()) == {n}  # each dimension x period adds up to all calls
    assert kpis.height == 9
    assert topics[0] >= n // 2  # most sample calls are about billing, a fault, a sale...


def _two_failed_criteria(lh: Lakehouse) -> tuple[dict, str, str]:
    """A call that passed its critical items, and two of its other criteria the AI judged not met
    without asking for a person: chosen from what the model heard on this machine."""
    calls = lh.read(CALLS)
    scores = lh.read(CALL_SCORES).filter(~pl.col("critical_failed"))
    failed = (
        lh.read(CRITERION_RESULTS)
        .filter((pl.col("verdict") == "not_met") & ~pl.col("needs_review") & ~pl.col("critical"))
        .join(scores.select("call_uid"), on="call_uid")
        .group_by("call_uid")
        .agg(pl.col("criterion_id").sort())
        .filter(pl.col("criterion_id").list.len() >= 2)
        .sort("call_uid")
    )
    assert failed.height, "the samples have calls that miss two non-critical criteria"
    uid, criteria = failed.row(0)
    call = calls.filter(pl.col("call_uid") == uid).to_dicts()[0]
    return call, criteria[0], criteria[1]


def test_a_review_csv_overrides_the_ai_and_a_dispute_gets_resolved(env, tmp_path):
    lh = Lakehouse(env.lakehouse)
    call, reviewed, disputed = _two_failed_criteria(lh)
    header = ",".join(REVIEW_COLUMNS)
    cid = f"{call['tenant_id']},{call['call_id']}"  # every row names its tenant and call
    rows = [
        # the AI found the criterion not met; a reviewer disagrees
        f"{cid},standard,1,{reviewed},review,met,rev-1,,2026-11-06T09:00:00+00:00",
        # the agent disputes another verdict; a reviewer resolves it in the agent's favour
        f"{cid},standard,1,{disputed},dispute,met,{call['agent_id']},said it at the start,"
        "2026-11-06T10:00:00+00:00",
        f"{cid},standard,1,{disputed},resolution,met,rev-2,heard it on the recording,"
        "2026-11-06T11:00:00+00:00",
        # a bad row: unknown criterion, quarantined with its reason
        f"{cid},standard,1,empathy,review,met,rev-1,,2026-11-06T09:00:00+00:00",
    ]
    folder = Path(env.landing) / "_reviews" / call["tenant_id"]
    folder.mkdir(parents=True)
    (folder / "week45.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    quarantined_before = lh.read(QUARANTINE).height
    run_pipeline(env)
    assert not list(folder.iterdir())  # the file left landing once stored
    assert lh.read(HUMAN_REVIEWS).height == 3
    log = lh.read(PROCESSING_LOG).filter(pl.col("asset_key") == "silver/human_reviews")
    assert log["status"].to_list() == ["success"] and log["rows_out"].to_list() == [3]
    q = lh.read(QUARANTINE)
    assert q.height == quarantined_before + 1
    assert q.filter(pl.col("batch_id") == "_reviews")["reason_code"].to_list() == [
        "review_unknown_criterion"
    ]
    with published(env) as con:
        got = {
            r[0]: r[1:]
            for r in con.execute(
                "select criterion_id, ai_verdict, final_verdict, verdict_source, dispute_status "
                "from fct_criterion_verdicts where call_uid = ?",
                [call["call_uid"]],
            ).fetchall()
        }
        final_score = con.execute(
            "select score, final_score from fct_calls where call_uid = ?", [call["call_uid"]]
        ).fetchone()
        calibration = con.execute(
            "select reviewed_verdicts, agreeing_verdicts from agg_calibration "
            "where criterion_id = ?",
            [reviewed],
        ).fetchone()
    assert got[reviewed] == ("not_met", "met", "human", "none")
    assert got[disputed] == ("not_met", "met", "human", "resolved")
    assert final_score[1] > final_score[0]  # the two criteria's points count after review
    assert calibration == (1, 0)


def test_transcripts_are_stored_redacted_with_a_toned_playback_copy(env):
    from transforms.core.storage import read_bytes
    from transforms.privacy.audio_redaction import decode_pcm16

    lh = Lakehouse.from_settings(env)
    t = lh.read(TRANSCRIPTS).join(lh.read(CALLS).select("call_uid", "audio_uri"), on="call_uid")
    # A customer of the samples reads an English phone number clearly enough for Whisper base;
    # it must reach the tables only as a placeholder, in the text and in the word list alike.
    assert t["pii_redactions"].sum() >= 1
    segments = lh.read(SEGMENTS, decrypt=True)
    redacted = segments.filter(pl.col("text").str.contains("<PHONE>", literal=True))
    assert redacted.height >= 1
    for row in redacted.iter_rows(named=True):
        assert "".join(w["word"] for w in row["words"]).strip() == row["text"]
    for row in t.iter_rows(named=True):
        tenant = row["tenant_id"]
        original, rate = decode_pcm16(lh.unseal(tenant, read_bytes(row["audio_uri"])))
        playback, playback_rate = decode_pcm16(lh.unseal(tenant, read_bytes(row["playback_uri"])))
        assert playback_rate == rate and playback.shape == original.shape
        changed = (playback != original).any(axis=0).sum() / rate
        # Redacted calls have their entity seconds toned out (a first name is ~0.3 s, plus 0.1 s of
        # padding on each side); the others are bit-identical.
        assert (changed > 0.2) if row["pii_redactions"] else (changed == 0)


def _said_by_callers(dialogues: dict) -> dict[str, set[str]]:
    """What the sample customers say that identifies them, as Whisper may write it: account and
    contract numbers (letters then digits: "GX552819", "gx 552 819"), e-mail addresses and the
    names in them ("nicolas", "roussel", "tom", "baker")."""
    from text_to_num import alpha2digit

    out: dict[str, set[str]] = {"ids": set(), "emails": set(), "names": set()}
    for call in dialogues["calls"]:
        for turn in call["turns"]:
            said = turn.get("customer", "")
            for a, b, rest in re.findall(r"\b([A-Z]) ([A-Z]), ([^.]+)", said):
                digits = re.sub(r"\D", "", alpha2digit(rest, call["language"]))
                if len(digits) >= 5:
                    out["ids"].add(f"{a}{b}{digits}".lower())
            for local in re.findall(
                r"(\w+) (?:point|dot) (\w+),? (?:arobase|at)", said, flags=re.IGNORECASE
            ):
                first, last = (w.lower() for w in local)
                out["names"] |= {first, last}
                out["emails"].add(f"{first}.{last}")
    return out


def test_no_account_number_email_or_caller_name_in_clear_in_silver_transcripts(env):
    """The demo's transcripts as stored: no caller's account or contract number, e-mail or name
    in clear, in the text or the word lists of either silver table (issue 22)."""
    import yaml

    dialogues = yaml.safe_load((REPO_ROOT / "samples" / "dialogues.yaml").read_text())
    said = _said_by_callers(dialogues)
    assert {"nicolas", "roussel", "tom", "baker", "priya", "shah"} <= said["names"]
    assert len(said["emails"]) >= 4 and len(said["ids"]) >= 4
    lh = Lakehouse.from_settings(env)
    segments = lh.read(SEGMENTS, decrypt=True)
    texts = [_normalise(t) for t in segments["text"].to_list()]
    texts += [_normalise("".join(w["word"] for w in ws)) for ws in segments["words"].to_list()]
    for row in lh.read(TRANSCRIPTS, decrypt=True).select(pl.col(pl.String)).rows():
        texts += [_normalise(t) for t in row if t]
    flat = " ".join(texts)
    glued = flat.replace(" ", "")
    # names are words; ids and e-mails may come out glued or spaced ("gx 552 819", "gx552819")
    leaked = [n for n in said["names"] if f" {n} " in f" {flat} "]
    leaked += [e for e in said["emails"] if e.replace(".", "") in glued]
    # an id's six digits, with or without its letters, anywhere in the glued text
    leaked += [i for i in said["ids"] if i[2:] in glued]
    assert leaked == [], f"{len(leaked)} caller identifiers in clear in silver"
    # and the placeholders say what was removed: ids, e-mails
    placeholders = " ".join(segments["text"].to_list())
    assert "<ID>" in placeholders and "<EMAIL>" in placeholders


# -- last: it republishes the warehouse with BI groups ----------------------------------------


def _tool(name: str) -> str | None:
    return shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}", f"/sbin/{name}") if Path(p).exists()),
        None,
    )


@pytest.mark.skipif(
    os.geteuid() != 0 or not all(map(_tool, ("useradd", "groupadd", "setpriv"))),
    reason="creating and switching to another account needs root, useradd and setpriv",
)
def test_another_account_opens_nothing_under_ccr_home_but_its_tenants_published_files(env):
    """The audit's finding 6: with CCR_HOME passable (0711, as BI needs), another local account
    listed and read transcripts and recordings. Now a real account, in acme's BI group only,
    tries to open every file and list every folder under CCR_HOME after the pipeline run: it
    opens acme's published database and report, and nothing else (not globex's files)."""
    import secrets
    import subprocess
    import sys
    from dataclasses import replace as with_fields

    from transforms.core.tenants import load_tenants
    from transforms.kpis.publish import operator_database, publish

    tag = secrets.token_hex(3)
    user, acme_group, globex_group = f"ccrbi{tag}", f"ccrbia{tag}", f"ccrbig{tag}"
    home = Path(env.home).absolute()
    opened: list[tuple[Path, int]] = []
    try:
        for group in (acme_group, globex_group):
            subprocess.run([_tool("groupadd"), group], check=True)
        subprocess.run(
            [_tool("useradd"), "-M", "-N", "-g", acme_group, "-s", "/usr/sbin/nologin", user],
            check=True,
        )
        registry = load_tenants(env.tenants_file)
        registry["acme-telecom"] = with_fields(registry["acme-telecom"], bi_group=acme_group)
        registry["globex-energy"] = with_fields(registry["globex-energy"], bi_group=globex_group)
        publish(
            build=Path(env.kpi_build_database), warehouse=Path(env.warehouse),
            operator=operator_database(env.home), registry=registry, rewrite=True,
            today=SAMPLES_AS_OF,
        )  # fmt: skip
        # the folders above CCR_HOME: passable, as /srv would be (pytest makes its own 0700)
        for folder in home.parents:
            if folder != Path("/") and not folder.stat().st_mode & 0o001:
                opened.append((folder, stat.S_IMODE(folder.stat().st_mode)))
                folder.chmod(stat.S_IMODE(folder.stat().st_mode) | 0o001)
        everything = [home]
        for folder, dirs, files in os.walk(home):
            everything += [Path(folder) / n for n in dirs + files]
        everything = [p for p in everything if not p.is_symlink()]
        probe = (
            "import json, os, sys\n"
            "allowed = []\n"
            "for path in json.load(sys.stdin):\n"
            "    try:\n"
            "        if os.path.isdir(path):\n"
            "            os.listdir(path)\n"
            "        else:\n"
            "            os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))\n"
            "        allowed.append(path)\n"
            "    except OSError:\n"
            "        pass\n"
            "print(json.dumps(allowed))\n"
        )
        uid = int(subprocess.run(["id", "-u", user], capture_output=True, text=True).stdout)
        gid = int(subprocess.run(["id", "-g", user], capture_output=True, text=True).stdout)
        python = os.path.realpath(sys.executable)
        out = subprocess.run(
            [_tool("setpriv"), f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
             python, "-I", "-S", "-c", probe],
            input=json.dumps([str(p) for p in everything]), capture_output=True, text=True,
            check=True, timeout=120,
        )  # fmt: skip
        allowed = {Path(p) for p in json.loads(out.stdout)}
    finally:
        for folder, mode in reversed(opened):
            folder.chmod(mode)
        subprocess.run([_tool("userdel"), user], check=False)
        for group in (acme_group, globex_group):
            subprocess.run([_tool("groupdel"), group], check=False)
    tenants = Path(env.warehouse) / "tenants"
    assert len(everything) > 100  # transcripts, recordings, quarantine, the instance, logs …
    assert {tenants / "globex-energy.duckdb", tenants / "globex-energy.html"} <= set(everything)
    assert allowed == {tenants / "acme-telecom.duckdb", tenants / "acme-telecom.html"}


def test_no_recording_transcript_phrase_or_comment_of_the_demo_is_in_clear_under_ccr_home(env):
    """Issue 21, must show: after encryption, the residual scan (which decodes Parquet and
    DuckDB) finds no transcript phrase, evidence quote or review comment of the demo anywhere
    under CCR_HOME (lakehouse, warehouse and published KPI files, Dagster's storage, logs), and
    no file holds a run of a recording's bytes or a recording whole. KPI files stay in clear and
    hold no free text."""
    from transforms.compliance.scan import scan

    lh = Lakehouse.from_settings(env)
    definitions = " ".join(lh.read(SCORECARD_VERSIONS)["definition"].to_list()).lower()
    needles: dict[str, str] = {}
    for text in lh.read(SEGMENTS, columns=["text"], decrypt=True)["text"].to_list():
        words = text.split()
        for start in range(0, max(1, len(words) - 5), 6):
            phrase = " ".join(words[start : start + 6])
            if len(phrase) >= 20 and phrase.lower() not in definitions and "<" not in phrase:
                needles[phrase] = "phrase"
    quotes = lh.read(CRITERION_RESULTS, columns=["evidence_quote"], decrypt=True)
    needles |= {q: "quote" for q in quotes["evidence_quote"].drop_nulls().to_list() if len(q) > 15}
    comments = lh.read(HUMAN_REVIEWS, columns=["comment"], decrypt=True)["comment"]
    needles |= {c: "comment" for c in comments.drop_nulls().to_list()}
    assert {"phrase", "quote", "comment"} <= set(needles.values()) and len(needles) > 50
    report = scan([Path(env.home)], needles)
    assert report.canary_found and report.unreadable == []
    assert report.parquet_files and report.duckdb_files  # Delta files and KPI databases decoded
    assert report.hits == [], report.as_dict()["hit_paths"]
    # recordings: neither whole (by digest) nor a run of their bytes, anywhere under the home
    recordings = [p.read_bytes() for p in SAMPLE_LANDING.rglob("*") if p.suffix in (".wav", ".mp3")]
    digests = {hashlib.sha256(r).hexdigest() for r in recordings}
    runs = [r[len(r) // 2 : len(r) // 2 + 32] for r in recordings if len(r) > 4096]
    assert len(runs) >= 10
    for path in Path(env.home).rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            assert hashlib.sha256(data).hexdigest() not in digests, path
            assert not any(run in data for run in runs), path
