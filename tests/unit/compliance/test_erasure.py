"""Erasure of one person on a synthetic lakehouse: every trace goes, the proof catches a leak."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest

from tests.synthetic_lakehouse import build
from transforms.compliance import subjects
from transforms.compliance.erasure import Hooks, carry_out, record_not_found
from transforms.compliance.ledger import Ledger
from transforms.compliance.scan import scan
from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import CALLS, HUMAN_REVIEWS, QUARANTINE, SEGMENTS


@pytest.fixture
def lake(tmp_path) -> tuple[Settings, pl.DataFrame]:
    settings = Settings.from_env({"CCR_HOME": str(tmp_path), "CCR_KEYS": str(tmp_path / "keys")})
    built = build(settings, ["acme", "globex"], calls_per_tenant=10)
    return settings, built.calls


def hooks(settings: Settings, subject: subjects.Subject, rebuilt: list | None = None) -> Hooks:
    """No warehouse to rebuild in these tests (``rebuilt`` gets the tenants it was asked to
    rebuild); the rest is the real thing."""
    lh, keys = Lakehouse(settings.lakehouse), FileKeyStore(settings.keys)
    rebuilt = [] if rebuilt is None else rebuilt
    return Hooks(
        rebuild_warehouse=rebuilt.append,
        forget_partitions=lambda tenant: 0,
        remaining=lambda: 0 if subjects.find(lh, settings, keys, subject).empty else 1,
    )


def erase(settings: Settings, subject: subjects.Subject, rebuilt: list | None = None) -> dict:
    lh, keys = Lakehouse(settings.lakehouse), FileKeyStore(settings.keys)
    request = subjects.erasure(lh, settings, keys, subject)
    return carry_out(request, lh, settings, keys, hooks(settings, subject, rebuilt))


def waiting_in_landing(settings: Settings, calls: pl.DataFrame) -> tuple[Path, Path]:
    """A batch and a review file of acme not processed yet, naming the agent among others."""
    batch = Path(settings.landing) / "acme" / "2026-11-30"
    batch.mkdir(parents=True)
    rows = [
        {"call_id": "acm-new-1", "file_name": "n1.wav", "agent_id": "acm-agent03"},
        {"call_id": "acm-new-2", "file_name": "n2.wav", "agent_id": "acm-agent04"},
    ]  # fmt: skip
    for row in rows:
        (batch / row["file_name"]).write_bytes(b"RIFF")
    manifest = batch / "manifest.csv"
    with manifest.open("w", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    reviews = Path(settings.reviews_landing) / "acme" / "r.csv"
    reviews.parent.mkdir(parents=True)
    reviews.write_text(
        "call_id,reviewer_id,comment\nacm-000001,acm-agent03,mine\nacm-000002,rev,x\n"
    )
    return manifest, reviews


def test_an_agent_erasure_leaves_no_trace_and_keeps_everyone_else(lake):
    settings, calls = lake
    agent = "acm-agent03"
    mine = calls.filter(pl.col("agent_id") == agent)
    manifest, reviews = waiting_in_landing(settings, calls)
    audio = Lakehouse(settings.lakehouse).read(CALLS, "acme").filter(pl.col("agent_id") == agent)
    leftover = Path(audio["audio_uri"][0] + ".partial")
    leftover.write_bytes(b"half a recording")

    certificate = erase(settings, subjects.Subject("acme", "agent", agent))

    assert certificate["verification"]["passed"], certificate["verification"]
    lh = Lakehouse(settings.lakehouse)
    assert agent not in lh.read(CALLS)["agent_id"].to_list()
    assert lh.read(CALLS).height == calls.height - mine.height
    assert lh.read(SEGMENTS).filter(pl.col("call_uid").is_in(mine["call_uid"])).is_empty()
    assert not leftover.exists() and not any(Path(a).exists() for a in audio["audio_uri"])
    quarantined = lh.read(QUARANTINE, "acme")
    assert all(agent not in (row or "") for row in quarantined["manifest_row"])
    kept = list(csv.DictReader(io.StringIO(manifest.read_text())))
    assert [r["agent_id"] for r in kept] == ["acm-agent04"]
    assert not (manifest.parent / "n1.wav").exists() and (manifest.parent / "n2.wav").exists()
    assert agent not in reviews.read_text() and "acm-000002" in reviews.read_text()
    # independent of the product's needles: the agent id and their call ids, nowhere
    needles = {agent: "agent_id"} | {c: "call_id" for c in mine["call_id"]}
    assert scan([Path(settings.home)], needles).passed
    # the globex tenant is untouched
    assert lh.read(CALLS, "globex").height == 10


def test_a_caller_erasure_finds_them_by_number_in_any_spelling(lake):
    settings, calls = lake
    caller = calls.filter(pl.col("tenant_id") == "globex")["phone"][0]
    theirs = calls.filter(pl.col("phone") == caller)
    spelled = f"{caller[:3]} {caller[3:6]} {caller[6:]}"
    batch = Path(settings.landing) / "globex" / "2026-12-01"
    batch.mkdir(parents=True)
    waiting = [
        {"call_id": "glo-new-1", "file_name": "a.wav", "caller_phone": caller},
        {"call_id": "glo-new-2", "file_name": "b.wav", "caller_phone": "+447700900999"},
    ]
    (batch / "manifest.json").write_text(json.dumps({"calls": waiting}))
    rebuilt: list = []
    certificate = erase(settings, subjects.Subject("globex", "caller", spelled), rebuilt)
    # only globex's published files are rewritten: acme's hold nothing of this caller
    assert [r.tenants for r in rebuilt] == [("globex",)]
    left = json.loads((batch / "manifest.json").read_text())["calls"]
    assert [r["call_id"] for r in left] == ["glo-new-2"]
    assert certificate["verification"]["passed"]
    assert certificate["subject"]["kind"] == "caller" and caller not in json.dumps(certificate)
    lh = Lakehouse(settings.lakehouse)
    assert not set(theirs["call_uid"]) & set(lh.read(CALLS)["call_uid"])
    assert lh.read(HUMAN_REVIEWS).filter(pl.col("call_uid").is_in(theirs["call_uid"])).is_empty()
    needles = {caller: "phone", theirs["caller_key"][0]: "caller_key"}
    assert scan([Path(settings.home)], needles).passed


def test_a_copy_the_erasure_does_not_know_about_fails_the_verification(lake):
    settings, calls = lake
    agent = "glo-agent01"
    stray = Path(settings.home) / "exports-by-hand" / "notes.txt"
    stray.parent.mkdir()
    stray.write_text(
        f"calls of {agent}: " + ", ".join(calls.filter(pl.col("agent_id") == agent)["call_id"])
    )
    certificate = erase(settings, subjects.Subject("globex", "agent", agent))
    verification = certificate["verification"]
    assert not verification["passed"] and verification["hits"] >= 1
    assert any("notes.txt" in p for p in verification["hit_paths"])
    assert agent not in json.dumps(certificate)  # the report masks what it found
    entry = Ledger(Path(settings.compliance_dir) / "erasure_ledger.jsonl").entries()[-1]
    assert entry["verified"] is False


def test_erasing_twice_finds_nothing_the_second_time_and_certifies_nothing(lake):
    settings, _ = lake
    subject = subjects.Subject("acme", "agent", "acm-agent05")
    first = erase(settings, subject)
    assert sum(t["rows_deleted"] for t in first["tables"]) > 0
    assert first["verification"]["passed"]
    lh, keys = Lakehouse(settings.lakehouse), FileKeyStore(settings.keys)
    with pytest.raises(subjects.NotFound):
        subjects.erasure(lh, settings, keys, subject)
    record_not_found("agent", "acme", subject.keyed_hash(keys), settings, keys)
    ledger = Ledger(Path(settings.compliance_dir) / "erasure_ledger.jsonl", keys)
    entries = ledger.entries()
    assert [e["seq"] for e in entries] == [1, 2] and ledger.verify() == []
    assert entries[1]["outcome"] == "not_found" and entries[1]["certificate"] is None
    assert (
        entries[1]["verified"] is None and entries[1]["subject_hash"] == entries[0]["subject_hash"]
    )
    assert first["ledger"]["entry_hash"] == entries[0]["entry_hash"]
    certificates = sorted((Path(settings.compliance_dir) / "certificates").glob("*.json"))
    assert len(certificates) == 1  # the request that found nothing has none
    html = Path(settings.compliance_dir) / "certificates" / f"{first['request_id']}.html"
    assert "Deletion certificate" in html.read_text() and "acm-agent05" not in html.read_text()


def test_a_number_that_never_called_is_not_found_and_gets_no_certificate(lake):
    settings, _ = lake
    lh, keys = Lakehouse(settings.lakehouse), FileKeyStore(settings.keys)
    never = subjects.Subject("globex", "caller", "+447700900777")
    with pytest.raises(subjects.NotFound):
        subjects.erasure(lh, settings, keys, never)
    assert not (Path(settings.compliance_dir) / "certificates").exists()


def test_the_erasure_clears_dbt_artifacts_but_keeps_the_parse_of_the_project(lake):
    """Compiled SQL, run results and logs of past builds go (they describe the data); dbt's
    parse of the project stays (code and paths only: the rebuild then parses nothing again),
    and the residual scan still reads it."""
    settings, calls = lake
    agent = "acm-agent02"
    root = Path(settings.dbt_target_dir)
    run = root / "kpi_models-1234567"
    (run / "compiled").mkdir(parents=True)
    (run / "run_results.json").write_text("{}")
    (run / "compiled" / "fct_calls.sql").write_text("select 1")
    (root / "stray.log").write_text("a log")
    parse = root / "partial_parse.msgpack"
    parse.write_bytes(b"\x81\xa7version\x01")
    certificate = erase(settings, subjects.Subject("acme", "agent", agent))
    assert certificate["copies"]["dbt_artifact_folders_cleared"] == 1
    assert sorted(p.name for p in root.iterdir()) == ["partial_parse.msgpack"]
    assert certificate["verification"]["passed"]
    # the kept parse is read by the scan like any other file: a needle in it is a hit
    parse.write_bytes(b"\x81\xa7version\x01" + calls["call_id"][0].encode())
    needles = {calls["call_id"][0]: "call_id"}
    report = scan([Path(settings.home)], needles)
    assert not report.passed and any("partial_parse" in h.path for h in report.hits)
