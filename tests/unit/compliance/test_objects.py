"""Audit finding 2: the proof covers bytes, not only strings. A recording left behind, copied
under another name, kept in an export on this host, or written before a crash and never
committed, is found; a request that matches nothing is "not found", never certified."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from orchestration import cli
from tests.synthetic_lakehouse import build
from transforms.compliance import erasure as erasure_module
from transforms.compliance import subjects
from transforms.compliance.actions import midnight
from transforms.compliance.erasure import Hooks, carry_out, retention_request
from transforms.compliance.ledger import LEDGER_NAME, Ledger
from transforms.compliance.retention import plan_retention
from transforms.core import storage
from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import CALLS
from transforms.core.tenants import Tenant


@pytest.fixture
def lake(tmp_path) -> tuple[Settings, pl.DataFrame]:
    home = tmp_path / "home"
    settings = Settings.from_env({"CCR_HOME": str(home), "CCR_KEYS": str(home / "keys")})
    built = build(settings, ["acme", "globex"], calls_per_tenant=8)
    return settings, built.calls


def hooks(lh, settings, keys, subject=None, remaining=None) -> Hooks:
    def left() -> int:
        return 0 if subjects.find(lh, settings, keys, subject).empty else 1

    return Hooks(lambda tenants: None, lambda tenant: 0, remaining or left)


def erase_caller(settings: Settings, phone: str) -> dict:
    lh, keys = Lakehouse(settings.lakehouse), FileKeyStore(settings.keys)
    subject = subjects.Subject("globex", "caller", phone)
    request = subjects.erasure(lh, settings, keys, subject)
    return carry_out(request, lh, settings, keys, hooks(lh, settings, keys, subject))


def recordings_of(settings: Settings, calls: pl.DataFrame, phone: str) -> pl.DataFrame:
    uids = calls.filter(pl.col("phone") == phone)["call_uid"]
    stored = Lakehouse(settings.lakehouse).read(CALLS, "globex")
    return stored.filter(pl.col("call_uid").is_in(uids))


def test_a_recording_copied_under_another_name_fails_the_proof(lake):
    settings, calls = lake
    phone = calls.filter(pl.col("tenant_id") == "globex")["phone"][0]
    theirs = recordings_of(settings, calls, phone)
    stray = Path(settings.home) / "tmp" / "restore-0001.bin"  # no id, no digest in its name
    stray.parent.mkdir()
    shutil.copyfile(theirs["audio_uri"][0], stray)

    verification = erase_caller(settings, phone)["verification"]

    assert not verification["passed"]
    assert verification["hits_by_kind"] == {"recording": 1}
    (path,) = verification["hit_paths"]
    assert "restore-0001.bin" in path and "(recording, content)" in path
    assert theirs["audio_sha256"][0] not in json.dumps(verification)
    assert verification["objects"]["digests_searched"]["recording"] == theirs.height


def test_a_recording_the_deletion_missed_fails_the_proof(lake, monkeypatch):
    settings, calls = lake
    phone = calls.filter(pl.col("tenant_id") == "globex")["phone"][0]
    real = storage.delete_file

    def deletes_all_but_recordings(uri, within=None):
        if not uri.endswith(".wav"):
            real(uri, within)

    monkeypatch.setattr(erasure_module.storage, "delete_file", deletes_all_but_recordings)
    verification = erase_caller(settings, phone)["verification"]
    assert not verification["passed"]
    left = recordings_of(settings, calls, phone).height or 1
    assert verification["objects"]["locations_left"]["recording"] >= left
    assert verification["hits_by_kind"].get("recording", 0) >= 1  # by content too


def test_a_recording_named_by_its_digest_is_found_by_name(lake):
    settings, calls = lake
    phone = calls.filter(pl.col("tenant_id") == "globex")["phone"][0]
    sha = recordings_of(settings, calls, phone)["audio_sha256"][0]
    note = Path(settings.home) / "logs" / "ops-notes.txt"
    note.parent.mkdir()
    note.write_text(f"re-sent audio/globex/{sha[:2]}/{sha}.wav by hand\n")
    verification = erase_caller(settings, phone)["verification"]
    assert not verification["passed"]
    assert verification["hits_by_kind"] == {"audio_sha256": 1}


def test_an_export_left_on_this_host_fails_the_proof_until_it_is_removed(lake, tmp_path):
    settings, calls = lake
    lh, keys = Lakehouse(settings.lakehouse), FileKeyStore(settings.keys)
    globex = calls.filter(pl.col("tenant_id") == "globex")
    first, second = globex["phone"].unique(maintain_order=True).to_list()[:2]
    kept, handed_over = tmp_path / "export-kept", tmp_path / "export-handed-over"
    subjects.export(lh, settings, keys, subjects.Subject("globex", "caller", first), kept)
    subjects.export(lh, settings, keys, subjects.Subject("globex", "caller", second), handed_over)
    shutil.rmtree(handed_over)  # delivered, and deleted here, as docs/retention.md asks

    failed = erase_caller(settings, first)["verification"]
    assert not failed["passed"]
    assert any("export-kept" in p for p in failed["hit_paths"])
    assert failed["objects"]["export_folders_scanned"] == 1
    assert failed["objects"]["export_folders_no_longer_here"] == 1

    shutil.rmtree(kept)
    passed = erase_caller(settings, second)["verification"]
    assert passed["passed"], passed["hit_paths"]
    assert passed["objects"]["export_folders_no_longer_here"] == 2


def test_retention_sweeps_objects_no_row_references_once_a_day_old(lake):
    settings, _ = lake
    as_of = date(2026, 11, 20)  # contracts running, the calls young: nothing else goes
    folder = Path(settings.audio_store) / "acme" / "zz"
    folder.mkdir(parents=True)
    crashed = folder / f"{'f' * 64}.wav"  # written before a crash, its row never committed
    crashed.write_bytes(b"RIFF a recording whose row was never committed")
    partial = folder / ".0123456789abcdef.partial"
    partial.write_bytes(b"RIFF half")
    fresh = folder / f"{'e' * 64}.wav"  # an ingest in flight: its row is not committed yet
    fresh.write_bytes(b"RIFF in flight")
    old = (midnight(as_of) - timedelta(days=3)).timestamp()
    for path in (crashed, partial):
        os.utime(path, (old, old))
    recent = (midnight(as_of) - timedelta(hours=1)).timestamp()
    os.utime(fresh, (recent, recent))
    lh, keys = Lakehouse(settings.lakehouse), FileKeyStore(settings.keys)
    tenants = {t: Tenant(t, t, ("en",), "standard") for t in ("acme", "globex")}

    plan = plan_retention(lh, tenants, as_of, settings, keys)
    (sweep,) = plan.work()
    assert (sweep.tenant_id, sweep.rule, sweep.action) == (
        "acme",
        "orphaned_object",
        "delete_files",
    )
    assert sorted(sweep.files) == sorted([str(crashed), str(partial)])

    again = lambda: len(plan_retention(lh, tenants, as_of, settings, keys).work())  # noqa: E731
    certificate = carry_out(
        retention_request(lh, plan), lh, settings, keys, hooks(lh, settings, keys, remaining=again)
    )
    verification = certificate["verification"]
    assert verification["passed"], verification
    assert not crashed.exists() and not partial.exists() and fresh.exists()
    assert verification["objects"]["locations_checked"] == {"partial_write": 1, "recording": 1}
    assert verification["objects"]["digests_searched"] == {"unreferenced": 1}
    assert certificate["files"] == {"orphaned": 2}


def run_ccr(settings: Settings, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    saved = {k: os.environ.get(k) for k in ("CCR_HOME", "CCR_KEYS")}
    os.environ.update({"CCR_HOME": settings.home, "CCR_KEYS": settings.keys})
    try:
        with contextlib.redirect_stdout(out):
            code = cli.main(list(argv))
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return code, out.getvalue()


def test_ccr_answers_a_request_for_a_number_that_never_called_not_found(lake, tmp_path):
    settings, _ = lake
    never = "+447700900777"
    code, printed = run_ccr(settings, "subject", "erase", "--tenant", "globex", "--phone", never)
    assert code == 3 and printed.startswith("not found") and never not in printed
    assert "verified" not in printed
    (entry,) = Ledger(Path(settings.compliance_dir) / LEDGER_NAME).entries()
    assert entry["outcome"] == "not_found" and entry["certificate"] is None
    assert not (Path(settings.compliance_dir) / "certificates").exists()
    out = tmp_path / "export"
    code, printed = run_ccr(
        settings, "subject", "export", "--tenant", "globex", "--phone", never, "--out", str(out)
    )
    assert code == 3 and "not found" in printed and not out.exists()
