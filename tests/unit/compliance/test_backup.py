"""Backups: a snapshot restores what it held, an edited backup is caught, an erasure made after
the snapshot is carried out again by the restore, and a purged tenant's part of an old backup is
noise (its data key is destroyed)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from orchestration import cli
from tests.synthetic_lakehouse import build
from transforms.compliance import backup, replay, subjects
from transforms.compliance.erasure import Hooks, carry_out, retention_request
from transforms.compliance.ledger import LEDGER_NAME, Ledger, LedgerError
from transforms.compliance.replay import ReplayError
from transforms.compliance.retention import plan_retention
from transforms.core import storage
from transforms.core.context import StepContext
from transforms.core.crypto import SEAL_MAGIC, TenantCipher
from transforms.core.keys import FileKeyStore, KeyStoreError
from transforms.core.lakehouse import Lakehouse, UnfinishedRestore
from transforms.core.settings import Settings
from transforms.core.tables import CALLS, HUMAN_REVIEWS, SEGMENTS, TRANSCRIPTS
from transforms.core.tenants import Tenant

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def home(tmp_path: Path) -> tuple[Settings, pl.DataFrame]:
    settings = Settings.from_env(
        {
            "CCR_HOME": str(tmp_path / "home"),
            "CCR_KEYS": str(tmp_path / "keys"),
            "CCR_BACKUPS": str(tmp_path / "backups"),
        }
    )
    built = build(settings, ["acme", "globex"], calls_per_tenant=8, encrypt=True)
    return settings, built.calls


def parts(settings: Settings) -> tuple[Lakehouse, FileKeyStore]:
    return Lakehouse.from_settings(settings), FileKeyStore(settings.keys)


def hooks() -> Hooks:
    return Hooks(
        rebuild_warehouse=lambda t: None, forget_partitions=lambda t: 0, remaining=lambda: 0
    )


def acme_caller(calls: pl.DataFrame) -> subjects.Subject:
    return subjects.Subject(
        "acme", "caller", calls.filter(pl.col("tenant_id") == "acme")["phone"][0]
    )


def erase(lh: Lakehouse, settings: Settings, keys: FileKeyStore, subject: subjects.Subject) -> dict:
    """The caller erased, its certificate returned."""
    return carry_out(subjects.erasure(lh, settings, keys, subject), lh, settings, keys, hooks())


def counts(lh: Lakehouse, tenant: str) -> dict[str, int]:
    return {s.path: lh.read(s, tenant).height for s in (CALLS, TRANSCRIPTS, SEGMENTS)}


def test_a_backup_restores_what_it_held_and_holds_no_key_or_clear_text(home) -> None:
    settings, _ = home
    lh, keys = parts(settings)
    before = lh.read(TRANSCRIPTS, decrypt=True).sort("call_uid")
    made = backup.create(settings, lh, keys, NOW)
    assert backup.backups(settings) == [made.backup_id]
    assert backup.verify(settings, keys, made.backup_id) == []
    folder = Path(made.uri)
    secrets_held = [keys.ledger_secret(), *keys.data_keys("acme")[1].values()]
    comments = lh.read(HUMAN_REVIEWS, columns=["comment"], decrypt=True)["comment"].drop_nulls()
    phrase = before["text"][0].split("] ", 1)[1][:30].encode()
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(s in data for s in secrets_held), path  # no key, not even wrapped
            assert not any(s.hex().encode() in data for s in secrets_held), path
            assert phrase not in data and b"synthetic recording" not in data, path
            assert not any(c.encode() in data for c in comments), path
    assert not list(folder.rglob("*.dek")) and not list(folder.rglob("*.kek"))
    # the home is lost; the restore brings it back, readable with the key store
    shutil.rmtree(settings.lakehouse)
    restored = backup.restore(settings, lh, keys, made.backup_id, NOW)
    assert restored.replayed == []
    assert (
        Lakehouse.from_settings(settings)
        .read(TRANSCRIPTS, decrypt=True)
        .sort("call_uid")
        .equals(before)
    )


def test_an_edited_backup_fails_verify_and_is_not_restored(home) -> None:
    settings, _ = home
    lh, keys = parts(settings)
    made = backup.create(settings, lh, keys, NOW)
    folder = Path(made.uri)
    recording = next(p for p in (folder / "lakehouse" / "audio").rglob("*") if p.is_file())
    data = bytearray(recording.read_bytes())
    data[-1] ^= 1
    recording.write_bytes(bytes(data))
    (folder / "lakehouse" / "audio" / "planted.wav").write_bytes(b"RIFF")
    problems = backup.verify(settings, keys, made.backup_id)
    assert any("edited" in p for p in problems) and any("added" in p for p in problems)
    # an edited manifest (to cover an edit, or to look younger) breaks its MAC
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["created_at"] = "2027-01-01T00:00:00+00:00"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert any("MAC" in p for p in backup.verify(settings, keys, made.backup_id))
    before = counts(lh, "acme")
    with pytest.raises(backup.BackupError, match="does not verify"):
        backup.restore(settings, lh, keys, made.backup_id, NOW)
    assert counts(lh, "acme") == before


def test_a_caller_erased_after_the_backup_is_gone_again_after_the_restore(home) -> None:
    settings, calls = home
    lh, keys = parts(settings)
    made = backup.create(settings, lh, keys, NOW)
    subject = acme_caller(calls)
    mine = len(subjects.find(lh, settings, keys, subject).calls)
    assert mine
    others = counts(lh, "acme")["bronze/calls"] - mine
    certificate = erase(lh, settings, keys, subject)
    assert certificate["copies"]["backups_pruned_by"] == "2027-01-01"
    assert subjects.find(lh, settings, keys, subject).empty
    restored = backup.restore(settings, lh, keys, made.backup_id, NOW)
    # carried out again before anything could use the restored data, and recorded
    assert restored.replayed == [certificate["request_id"]]
    assert subjects.find(lh, settings, keys, subject).empty
    assert counts(lh, "acme")["bronze/calls"] == others
    ledger = Ledger(Path(settings.compliance_dir) / LEDGER_NAME, keys)
    assert ledger.verify() == []
    last = ledger.entries()[-1]
    assert last["kind"] == "restore" and last["replayed"] == [certificate["request_id"]]
    assert last["backup_id"] == made.backup_id and last["snapshot_entries"] == 0
    assert not (Path(settings.compliance_dir) / backup.RESTORING).exists()


def test_a_restore_killed_before_its_replay_keeps_every_reader_out_until_run_again(
    home, monkeypatch, capsys
) -> None:
    """A crash between the copy of the backup and the replay of the erasures made since leaves
    the erased caller's rows in the lakehouse: nothing may open it until the restore runs again."""
    settings, calls = home
    lh, keys = parts(settings)
    made = backup.create(settings, lh, keys, NOW)
    subject = acme_caller(calls)
    erase(lh, settings, keys, subject)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("the restore's process was killed")

    with monkeypatch.context() as patch:
        patch.setattr(replay, "apply", killed)
        with pytest.raises(KeyboardInterrupt):
            backup.restore(settings, lh, keys, made.backup_id, NOW)
    # what the crash left: the backup's rows, the erased caller among them
    assert not subjects.find(lh, settings, keys, subject).empty
    with pytest.raises(UnfinishedRestore, match=f"restore of backup {made.backup_id} did not"):
        Lakehouse.from_settings(settings)
    with pytest.raises(UnfinishedRestore):
        StepContext.of(settings)  # every step, job and command opens the lakehouse this way
    monkeypatch.setenv("CCR_HOME", settings.home)
    monkeypatch.setenv("CCR_KEYS", settings.keys)
    monkeypatch.setenv("CCR_BACKUPS", str(settings.backups))
    capsys.readouterr()
    for argv in (
        ["subject", "export", "--tenant", "acme", "--phone", subject.value],
        ["subject", "erase", "--tenant", "acme", "--phone", subject.value],
        ["kpis"],
        ["backup", "create"],  # a backup of the half-restored home would keep the caller
    ):
        assert cli.main(argv) == 1, argv
        printed = capsys.readouterr()
        assert f"ccr backup restore {made.backup_id}" in printed.err
        assert subject.value not in printed.err + printed.out
    assert len(backup.backups(settings)) == 1
    # a marker cut short by the crash still keeps them out
    marker = Path(settings.compliance_dir) / backup.RESTORING
    saved = marker.read_bytes()
    marker.write_bytes(saved[:7])
    with pytest.raises(UnfinishedRestore, match=r"backup \(unknown\)"):
        Lakehouse.from_settings(settings)
    marker.write_bytes(saved)
    # run again, the restore finishes: the caller is gone, the home opens, the ledger holds it
    assert cli.main(["backup", "restore", made.backup_id]) == 0
    assert not marker.exists()
    lh = Lakehouse.from_settings(settings)
    assert subjects.find(lh, settings, keys, subject).empty
    ledger = Ledger(Path(settings.compliance_dir) / LEDGER_NAME, keys)
    assert ledger.verify() == [] and ledger.entries()[-1]["kind"] == "restore"


def test_the_restore_marker_is_on_disk_before_anything_is_replaced(home, monkeypatch) -> None:
    """A power cut, not only a killed process: when the restore deletes its first table, the
    marker and the folder that names it have been fsynced, so the reboot still finds it."""
    settings, _ = home
    lh, keys = parts(settings)
    made = backup.create(settings, lh, keys, NOW)
    marker = Path(settings.compliance_dir) / backup.RESTORING
    synced: set[int] = set()
    seen: list[tuple[bool, bool, bool]] = []
    real_fsync, real_delete = os.fsync, storage.delete_tree

    def fsync(fd: int) -> None:
        synced.add(os.fstat(fd).st_ino)
        real_fsync(fd)

    def delete_tree(*args, **kwargs):
        if not seen:
            seen.append(
                (
                    marker.is_file(),
                    marker.is_file() and marker.stat().st_ino in synced,
                    marker.parent.stat().st_ino in synced,
                )
            )
        return real_delete(*args, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(storage, "delete_tree", delete_tree)
    backup.restore(settings, lh, keys, made.backup_id, NOW)
    assert seen == [(True, True, True)]  # present, its bytes and its name on disk
    assert not marker.exists()


def test_a_purged_tenant_stays_unreadable_in_an_older_backup(home, tmp_path: Path) -> None:
    settings, _ = home
    lh, keys = parts(settings)
    made = backup.create(settings, lh, keys, NOW)
    copy = Path(shutil.copytree(settings.lakehouse, tmp_path / "copy-before-purge"))
    registry = {
        "acme": Tenant("acme", "acme", ("en",), "standard"),
        "globex": replace(
            Tenant("globex", "globex", ("en",), "standard"), contract_end=date(2026, 12, 1)
        ),
    }
    plan = plan_retention(lh, registry, date(2027, 1, 1), settings, keys)
    assert plan.purged_tenants() == ["globex"]
    certificate = carry_out(retention_request(lh, plan), lh, settings, keys, hooks())
    assert certificate["copies"]["data_keys_destroyed"] == 1
    assert keys.data_key_status("globex") == "destroyed"
    # the copy taken before the purge, and the backup's own files: globex is noise, acme not
    for old in (copy, Path(made.uri) / "lakehouse"):
        stale = Lakehouse(str(old), cipher=TenantCipher(keys))
        with pytest.raises(KeyStoreError, match="destroyed"):
            stale.read(TRANSCRIPTS, "globex", decrypt=True)
        with pytest.raises(KeyStoreError, match="destroyed"):
            audio = next(p for p in (old / "audio" / "globex").rglob("*") if p.is_file())
            stale.unseal("globex", audio.read_bytes())
        assert stale.read(TRANSCRIPTS, "acme", decrypt=True).height == 8
    # restoring the older backup purges globex again, and its ciphertext stays unreadable anyway
    restored = backup.restore(settings, lh, keys, made.backup_id, NOW)
    assert restored.work.tenants_purged == ["globex"]
    assert set(counts(lh, "globex").values()) == {0}
    assert not (Path(settings.lakehouse) / "audio" / "globex").exists()
    assert lh.read(TRANSCRIPTS, "acme", decrypt=True).height == 8


def test_prune_keeps_backups_no_longer_than_the_setting(home) -> None:
    settings, _ = home
    lh, keys = parts(settings)
    old = backup.create(settings, lh, keys, datetime(2026, 10, 1, tzinfo=UTC))
    young = backup.create(settings, lh, keys, NOW)
    assert backup.prune(settings, date(2026, 10, 31)) == []  # 30 days old: kept
    assert backup.prune(settings, date(2026, 11, 1)) == [old.backup_id]  # 31: gone
    assert backup.backups(settings) == [young.backup_id]
    assert not Path(old.uri).exists()


def test_backups_are_refused_under_the_home(home) -> None:
    settings, _ = home
    lh, keys = parts(settings)
    inside = replace(settings, backups=f"{settings.home}/backups")
    with pytest.raises(backup.BackupError, match="under CCR_HOME"):
        backup.create(inside, lh, keys, NOW)


def test_a_restore_that_could_not_replay_an_erasure_changes_nothing(home) -> None:
    settings, calls = home
    lh, keys = parts(settings)
    made = backup.create(settings, lh, keys, NOW)
    subject = acme_caller(calls)
    certificate = erase(lh, settings, keys, subject)
    record = Path(settings.compliance_dir) / "replay" / f"{certificate['request_id']}.json"
    kept = record.read_bytes()
    record.write_bytes(kept.replace(b'"keys":[', b'"keys":["0",', 1))  # edited: refused
    after = counts(lh, "acme")
    with pytest.raises(ReplayError, match="changed"):
        backup.restore(settings, lh, keys, made.backup_id, NOW)
    record.unlink()  # gone: refused too
    with pytest.raises(ReplayError, match="no replay record"):
        backup.restore(settings, lh, keys, made.backup_id, NOW)
    assert counts(lh, "acme") == after and subjects.find(lh, settings, keys, subject).empty


def test_a_home_without_its_ledger_is_not_restored_to_before_an_erasure(home) -> None:
    settings, calls = home
    lh, keys = parts(settings)
    made = backup.create(settings, lh, keys, NOW)
    subject = acme_caller(calls)
    erase(lh, settings, keys, subject)
    # the compliance folder is lost: the backup's ledger knows nothing of the erasure, but the
    # key store's ledger head does
    shutil.rmtree(settings.compliance_dir)
    with pytest.raises(LedgerError):
        backup.restore(settings, lh, keys, made.backup_id, NOW)
    assert subjects.find(lh, settings, keys, subject).empty


def test_a_sealed_copy_of_an_erased_recording_is_still_found_by_the_proof(home) -> None:
    """The residual scan opens files sealed with a live tenant key: encryption must not hide a
    leftover copy of an erased recording from the byte proof."""
    settings, calls = home
    lh, keys = parts(settings)
    subject = acme_caller(calls)
    found = subjects.find(lh, settings, keys, subject)
    recording = lh.locate(found.calls["audio_uri"][0].removeprefix(f"{lh.root}/"))
    stray = Path(settings.home) / "operator" / "kept-aside.bin"  # renamed: no name to match
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(Path(recording).read_bytes())
    assert stray.read_bytes().startswith(SEAL_MAGIC)
    certificate = erase(lh, settings, keys, subject)
    verification = certificate["verification"]
    assert not verification["passed"]
    assert any("kept-aside" in p and "content" in p for p in verification["hit_paths"])


def test_ccr_backup_commands(home, monkeypatch) -> None:
    settings, _ = home
    monkeypatch.setenv("CCR_HOME", settings.home)
    monkeypatch.setenv("CCR_KEYS", settings.keys)
    monkeypatch.setenv("CCR_BACKUPS", str(settings.backups))

    def ccr(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = cli.main(["backup", *argv])
        return code, out.getvalue()

    code, printed = ccr("create")
    assert code == 0 and "tables" in printed
    backup_id = backup.backups(settings)[0]
    code, printed = ccr("list")
    assert code == 0 and backup_id in printed and "pruned on" in printed
    code, printed = ccr("verify", backup_id)
    assert code == 0 and "verifies" in printed
    manifest = Path(settings.backups) / backup_id / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"tables"', '"tables" ', 1))
    code, printed = ccr("verify", backup_id)  # a space added: same JSON, the MAC still holds
    assert code == 0
    edited = json.loads(manifest.read_text())
    edited["tables"]["bronze.calls"] = 0
    manifest.write_text(json.dumps(edited))
    code, printed = ccr("restore", backup_id)
    assert code == 1 and "does not verify" in printed
    code, printed = ccr("prune")
    assert code == 0 and "0 backups" in printed
    monkeypatch.delenv("CCR_BACKUPS")
    code, printed = ccr("create")
    assert code == 1 and "CCR_BACKUPS is not set" in printed
