"""Retention, erasure and restitution on the sample calls: real Whisper, Delta, dbt and Dagster.

One module-scoped pipeline run, then, in order: a restitution export; a caller's and an agent's
access requests (the issue's exact command, which crashed on dim_dates); a retention date 400
days ahead refused; globex-energy's contract ends 31 days before the retention date, first under
a legal hold (nothing goes, the plan says why), then without (everything of globex goes: zero
residual hits for its call ids, callers' numbers, agent ids and transcript phrases anywhere
under CCR_HOME, no recording left by location or content; acme-telecom's rows and KPIs
unchanged; the anonymised statistics remain); applying again deletes nothing; one caller is
erased, a number that never called is not found; seven months after the calls the content goes
and the 1-year KPIs stay as they were.

The retention dates are after the day the tests run: each apply runs with the step context's
clock set to that day (``Clock.now``), as the daily job would on it; a date after "today" is
refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
import yaml

from orchestration import cli
from orchestration.cli.common import SAMPLE_LANDING
from orchestration.cli.pipeline import land, run_pipeline
from orchestration.cli.retention import apply_retention
from transforms.compliance.ledger import Ledger
from transforms.compliance.needles import phone_forms
from transforms.compliance.scan import scan
from transforms.core import storage
from transforms.core.context import Clock
from transforms.core.crypto import SEAL_MAGIC, TenantCipher, is_ciphertext
from transforms.core.keys import FileKeyStore, KeyStoreError
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import REPO_ROOT, Settings
from transforms.core.tables import (
    ALL_TABLES,
    ANONYMISED_STATISTICS,
    CALLS,
    SCORECARD_VERSIONS,
    TRANSCRIPTS,
)
from transforms.kpis import publish

pytestmark = pytest.mark.slow

AS_OF = date(2026, 12, 20)
SEVEN_MONTHS_LATER = date(2027, 6, 5)
MARTS = (
    "fct_calls",
    "agg_agent_daily",
    "agg_qa_kpis",
    "fct_criterion_verdicts",
    "fct_score_versions",
)


def manifest_rows(tenant: str) -> list[dict[str, str]]:
    path = next((SAMPLE_LANDING / tenant).glob("*/manifest.csv"))
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    return [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]


def tenants_file(folder: Path, name: str, **globex) -> Path:
    registry = yaml.safe_load((REPO_ROOT / "config" / "tenants.yaml").read_text())
    registry["tenants"]["globex-energy"] |= globex
    path = folder / name
    path.write_text(yaml.safe_dump(registry))
    return path


@pytest.fixture(scope="module")
def env(module_ccr_home, tmp_path_factory):
    land(SAMPLE_LANDING, module_ccr_home)
    with contextlib.redirect_stdout(io.StringIO()):
        run_pipeline(module_ccr_home)
    return module_ccr_home


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """The tenants files the tests switch between (globex's contract ended 31 days before)."""
    folder = tmp_path_factory.mktemp("registry")
    ended = AS_OF - timedelta(days=31)
    hold = [{"scope": "tenant", "reason": "litigation 2026-42", "until": date(2027, 3, 31)}]
    return {
        "held": tenants_file(folder, "held.yaml", contract_end=ended, legal_holds=hold),
        "ended": tenants_file(folder, "ended.yaml", contract_end=ended),
    }


@pytest.fixture
def use(monkeypatch, env):
    """Point the registry (and low anonymisation thresholds: 16 sample calls) for one test;
    ``on``: the day the step contexts' clock says it is (noon UTC)."""

    def switch(path: Path | None, on: date | None = None) -> Settings:
        if path is not None:
            monkeypatch.setenv("CCR_TENANTS_FILE", str(path))
        monkeypatch.setenv("CCR_ANON_MIN_CALLS", "4")
        monkeypatch.setenv("CCR_ANON_MIN_AGENTS", "2")
        if on is not None:
            noon = datetime.combine(on, time(12), tzinfo=UTC)
            monkeypatch.setattr(Clock, "now", lambda self: self.at or noon)
        return Settings.from_env(os.environ)

    return switch


def run_ccr(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(list(argv))
    return code, out.getvalue()


def counts(settings: Settings, tenant: str) -> dict[str, int]:
    lh = Lakehouse(settings.lakehouse)
    return {spec.path: lh.read(spec, tenant).height for spec in ALL_TABLES}


def marts(settings: Settings, tenant: str) -> dict[str, list]:
    database = publish.tenant_database(settings.warehouse, tenant)
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            m: sorted(
                map(str, con.execute(f"select * from {m} where tenant_id = ?", [tenant]).fetchall())
            )
            for m in MARTS
        }


def distinctive_phrases(settings: Settings, tenant: str, limit: int = 12) -> set[str]:
    """Five-word runs of the tenant's transcripts found in no other transcript and no scorecard."""
    lh = Lakehouse.from_settings(settings)
    transcripts = lh.read(TRANSCRIPTS, decrypt=True)
    others = " ".join(transcripts.filter(pl.col("tenant_id") != tenant)["text"]).lower()
    others += " ".join(lh.read(SCORECARD_VERSIONS)["definition"]).lower()
    found: set[str] = set()
    for text in transcripts.filter(pl.col("tenant_id") == tenant)["text"]:
        for line in text.splitlines():
            words = re.sub(r"^\[\w+\]\s*", "", line).split()
            for i in range(0, max(0, len(words) - 5), 3):
                run = " ".join(words[i : i + 5])
                if len(run) > 20 and run.lower() not in others:
                    found.add(run)
    return set(sorted(found)[:limit])


def globex_needles(settings: Settings) -> dict[str, str]:
    rows = manifest_rows("globex-energy")
    needles = {r["call_id"]: "call_id" for r in rows} | {r["agent_id"]: "agent_id" for r in rows}
    needles |= {form: "phone" for r in rows for form in phone_forms(r["caller_phone"])}
    calls = Lakehouse(settings.lakehouse).read(CALLS, "globex-energy")
    needles |= {uid: "call_uid" for uid in calls["call_uid"]}
    needles |= {key: "caller_key" for key in calls["caller_key"].drop_nulls()}
    return needles | {p: "phrase" for p in distinctive_phrases(settings, "globex-energy")}


BEFORE: dict[str, object] = {}


def test_a_tenant_export_holds_every_row_of_the_tenant_and_none_of_another(env, tmp_path):
    out = tmp_path / "acme-export"
    code, printed = run_ccr("export", "tenant", "acme-telecom", "--out", str(out))
    assert code == 0 and str(out) in printed
    manifest = json.loads((out / "manifest.json").read_text())
    lh = Lakehouse(env.lakehouse)
    for spec in ALL_TABLES:
        exported = pl.read_parquet(out / "tables" / f"{spec.layer}.{spec.name}.parquet")
        assert set(exported["tenant_id"]) <= {"acme-telecom"}, spec.path
        stored = lh.read(spec, "acme-telecom")
        key = list(spec.key)
        assert exported.select(key).sort(key).equals(stored.select(key).sort(key)), spec.path
    fct = pl.read_parquet(out / "tables" / "marts.fct_calls.parquet")
    assert set(fct["tenant_id"]) == {"acme-telecom"} and fct.height == 8
    audio = list((out / "audio").iterdir())
    assert len(audio) == 8  # every accepted call's original recording
    # handed back as the client gave them: in clear, not our ciphertext
    assert not any(a.read_bytes().startswith(SEAL_MAGIC) for a in audio)
    texts = pl.read_parquet(out / "tables" / "silver.transcripts.parquet")["text"]
    assert texts.len() and not any(is_ciphertext(t) for t in texts.to_list())
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == entry["sha256"], name
    assert "caller_key" in (out / "README.md").read_text()
    code, printed = run_ccr("export", "tenant", "acme-telecom", "--out", str(out))
    assert code == 2 and "not empty" in printed
    code, printed = run_ccr("export", "tenant", "acme-telecom", "--out", env.home + "/x")
    assert code == 2 and "outside CCR_HOME" in printed
    assert manifest["sources"]["tables"]["bronze.calls"]["from"] == "lakehouse table bronze.calls"
    shutil.rmtree(out)  # delivered: an export left on this host would fail later erasures' proof


def test_a_caller_and_an_agent_get_their_data_and_its_sources(env, tmp_path):
    """The audit's command: it ended in ColumnNotFoundError on dim_dates."""
    out = tmp_path / "caller"
    code, printed = run_ccr(
        "subject", "export", "--tenant", "globex-energy", "--phone", "+447700900123",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, printed
    manifest = json.loads((out / "manifest.json").read_text())
    sources = manifest["sources"]
    assert "marts.dim_dates" not in sources["tables"]
    assert sources["tables"]["marts.fct_calls"]["from"].startswith("published KPI file tenants/")
    fct = pl.read_parquet(out / "tables" / "marts.fct_calls.parquet")
    calls = pl.read_parquet(out / "tables" / "bronze.calls.parquet")
    assert calls.height >= 1 and set(fct["call_uid"]) <= set(calls["call_uid"])
    assert set(sources["files"]) == {n for n in manifest["files"] if n.startswith("audio/")} | {
        n for n in manifest["files"] if n.startswith(("playback/", "quarantine_files/"))
    }
    agent = manifest_rows("globex-energy")[0]["agent_id"]
    out_agent = tmp_path / "agent"
    code, printed = run_ccr(
        "subject", "export", "--tenant", "globex-energy", "--agent", agent, "--out", str(out_agent)
    )
    assert code == 0, printed
    daily = pl.read_parquet(out_agent / "tables" / "marts.agg_agent_daily.parquet")
    assert daily.height and set(daily["agent_id"]) == {agent}
    shutil.rmtree(out)
    shutil.rmtree(out_agent)


def test_a_retention_date_after_today_is_refused_and_deletes_nothing(env, use):
    settings = use(None)
    before = counts(settings, "globex-energy")
    ahead = str(date.today() + timedelta(days=400))
    code, printed = run_ccr("retention", "apply", "--as-of", ahead)
    assert code == 2 and "after today" in printed
    assert counts(settings, "globex-energy") == before


def test_a_legal_hold_stops_the_purge_and_the_plan_says_why(env, registry, use):
    settings = use(registry["held"], on=AS_OF)
    BEFORE["globex"] = counts(settings, "globex-energy")
    BEFORE["acme"] = counts(settings, "acme-telecom")
    BEFORE["acme_marts"] = marts(settings, "acme-telecom")
    BEFORE["needles"] = globex_needles(settings)
    code, printed = run_ccr("retention", "plan", "--as-of", str(AS_OF))
    assert code == 0
    assert "legal hold on the whole tenant (litigation 2026-42) until 2027-03-31" in printed
    assert "tenant_purge" not in printed
    assert apply_retention(settings, AS_OF)
    assert counts(settings, "globex-energy") == BEFORE["globex"]
    assert FileKeyStore(settings.keys).status("globex-energy") == "ok"


def test_the_tenant_purge_leaves_no_byte_of_the_tenant_anywhere(env, registry, use):
    settings = use(registry["ended"], on=AS_OF)
    recordings = Lakehouse(settings.lakehouse).read(CALLS, "globex-energy")["audio_uri"].to_list()
    # an attacker's (or a forgotten backup's) copy of the files, taken before the purge (from a
    # folder or a bucket alike)
    copy = Path(settings.home).parent / "stolen-copy"
    for uri in storage.list_files(settings.lakehouse):
        storage.copy_file(uri, str(copy / uri.removeprefix(settings.lakehouse.rstrip("/") + "/")))
    code, printed = run_ccr("retention", "plan", "--as-of", str(AS_OF))
    assert code == 0 and "tenants purged: globex-energy" in printed
    assert apply_retention(settings, AS_OF)
    assert set(counts(settings, "globex-energy").values()) == {0}
    assert FileKeyStore(settings.keys).status("globex-energy") == "destroyed"
    # its published database and report are gone, not emptied
    assert not publish.tenant_database(settings.warehouse, "globex-energy").exists()
    assert not publish.tenant_report(settings.warehouse, "globex-energy").exists()
    needles = BEFORE["needles"]
    kinds = set(needles.values())
    assert {"call_id", "agent_id", "phone", "phrase", "call_uid", "caller_key"} <= kinds
    report = scan([Path(settings.home), REPO_ROOT / "dbt_project"], needles)
    assert report.canary_found and report.unreadable == []
    assert report.hits == [], report.as_dict()["hit_paths"]
    partitions = dg.DagsterInstance.get().get_dynamic_partitions("call_batches")
    assert partitions and not [p for p in partitions if p.startswith("globex-energy")]
    # the certificate and the ledger say so, naming no call, caller or agent
    ledger = Ledger(Path(settings.compliance_dir) / "erasure_ledger.jsonl")
    assert ledger.verify() == []
    entry = ledger.entries()[-1]
    assert entry["kind"] == "tenant" and entry["tenants"] == ["globex-energy"] and entry["verified"]
    certificate = json.loads((Path(settings.compliance_dir) / entry["certificate"]).read_text())
    assert (
        certificate["verification"]["passed"]
        and certificate["copies"]["pseudonym_keys_destroyed"] == 1
        and certificate["copies"]["data_keys_destroyed"] == 1
    )
    # crypto-shredding: the copy taken before the purge no longer opens, text or sound
    stale = Lakehouse(str(copy), cipher=TenantCipher(FileKeyStore(settings.keys)))
    with pytest.raises(KeyStoreError, match="destroyed"):
        stale.read(TRANSCRIPTS, "globex-energy", decrypt=True)
    sealed = next(p for p in (copy / "audio" / "globex-energy").rglob("*") if p.is_file())
    assert sealed.read_bytes().startswith(SEAL_MAGIC)
    with pytest.raises(KeyStoreError, match="destroyed"):
        stale.unseal("globex-energy", sealed.read_bytes())
    assert stale.read(TRANSCRIPTS, "acme-telecom", decrypt=True).height == 8  # acme's key lives
    shutil.rmtree(copy)
    assert (Path(settings.compliance_dir) / entry["certificate"]).with_suffix(".html").exists()
    # the recordings: checked gone by location and looked for by content, counted not named
    objects = certificate["verification"]["objects"]
    assert objects["locations_checked"]["recording"] == len(recordings)
    assert set(objects["locations_left"].values()) == {0}
    assert objects["digests_searched"]["recording"] == len(recordings)
    assert not [r for r in recordings if Path(r).exists()]
    assert not any(Path(r).name.split(".")[0] in json.dumps(certificate) for r in recordings)


def test_the_other_tenant_is_untouched(env, use):
    settings = use(None)
    assert counts(settings, "acme-telecom") == BEFORE["acme"]
    assert marts(settings, "acme-telecom") == BEFORE["acme_marts"]


def test_the_anonymised_statistics_remain_and_no_cell_has_fewer_contributors(env, use):
    settings = use(None)
    kept = Lakehouse(settings.lakehouse).read(ANONYMISED_STATISTICS)
    with duckdb.connect(settings.anonymised_database, read_only=True) as con:
        published = pl.from_arrow(con.sql("select * from anonymised_statistics").to_arrow_table())
    assert kept.height > 0 and published.height == kept.height
    month = published.filter(pl.col("dimension") == "all").row(0, named=True)
    assert month["month"] == "2026-11" and month["calls"] == 16  # both tenants, before the purge
    assert (published["calls"] >= settings.anon_min_calls).all()
    assert (published["agents"] >= settings.anon_min_agents).all()
    assert not {"tenant_id", "agent_id", "call_uid", "call_id"} & set(published.columns)


def test_applying_again_deletes_nothing_and_verifies_the_plan_is_done(env, registry, use):
    settings = use(registry["ended"], on=AS_OF)
    ledger = Ledger(Path(settings.compliance_dir) / "erasure_ledger.jsonl")
    entries = len(ledger.entries())
    assert apply_retention(settings, AS_OF)
    assert len(ledger.entries()) == entries
    _, printed = run_ccr("retention", "plan", "--as-of", str(AS_OF))
    assert "0 actions delete 0 rows and 0 files" in printed and "tenant_purged" in printed
    code, printed = run_ccr("compliance", "ledger")
    assert code == 0 and f"chain intact ({entries} entries)" in printed


def test_one_caller_is_erased_and_nothing_of_them_is_left(env, registry, use):
    settings = use(registry["ended"])
    caller = manifest_rows("acme-telecom")[0]
    calls = Lakehouse(settings.lakehouse).read(CALLS, "acme-telecom")
    theirs = calls.filter(pl.col("call_id") == caller["call_id"])
    assert theirs.height == 1
    needles = {caller["call_id"]: "call_id", theirs["call_uid"][0]: "call_uid"}
    needles |= {theirs["caller_key"][0]: "caller_key"}
    needles |= {form: "phone" for form in phone_forms(caller["caller_phone"])}
    spaced = " ".join([caller["caller_phone"][:3], caller["caller_phone"][3:]])
    code, printed = run_ccr("subject", "erase", "--tenant", "acme-telecom", "--phone", spaced)
    assert code == 0 and "verified: True" in printed
    assert caller["caller_phone"] not in printed
    left = Lakehouse(settings.lakehouse).read(CALLS, "acme-telecom")
    assert left.height == calls.height - 1
    report = scan([Path(settings.home), REPO_ROOT / "dbt_project"], needles)
    assert report.passed, report.as_dict()["hit_paths"]
    entry = Ledger(Path(settings.compliance_dir) / "erasure_ledger.jsonl").entries()[-1]
    assert entry["kind"] == "caller" and len(entry["subject_hash"]) == 64
    assert entry["subject_hash"] != theirs["caller_key"][0]
    never = "+447700900999"
    code, printed = run_ccr("subject", "erase", "--tenant", "acme-telecom", "--phone", never)
    assert code == 3 and printed.startswith("not found") and "verified" not in printed


def test_seven_months_later_the_content_goes_and_the_one_year_kpis_stay(env, registry, use):
    settings = use(registry["ended"], on=SEVEN_MONTHS_LATER)
    before = marts(settings, "acme-telecom")
    lh = Lakehouse(settings.lakehouse)
    audio = lh.read(CALLS, "acme-telecom")["audio_uri"].to_list()
    assert apply_retention(settings, SEVEN_MONTHS_LATER)
    assert lh.read(TRANSCRIPTS).is_empty()
    calls = lh.read(CALLS, "acme-telecom")
    assert calls.height == len(audio) and calls["caller_key"].null_count() == calls.height
    assert not [a for a in audio if Path(a).exists()]
    assert marts(settings, "acme-telecom") == before
    entry = Ledger(Path(settings.compliance_dir) / "erasure_ledger.jsonl").entries()[-1]
    assert (
        entry["kind"] == "retention" and entry["verified"] and "content_expired" in entry["rules"]
    )
