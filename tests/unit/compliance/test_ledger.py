"""The erasure ledger, tried as someone who can write the compliance folder (not the key store)
would: every edit, re-chaining, truncation, swap or certificate change is named by the first
entry it breaks; a copied home continues its ledger without spoiling the original's."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from orchestration import cli
from transforms.compliance import certificate as certificates
from transforms.compliance.erasure import record
from transforms.compliance.ledger import (
    GENESIS,
    LEDGER_NAME,
    Ledger,
    LedgerError,
    canonical,
    entry_hash,
    subject_hash,
)
from transforms.core.keys import FileKeyStore
from transforms.core.settings import Settings
from transforms.privacy.pseudonymise import caller_key


def home(path: Path, ledger_key: bool = True) -> tuple[Settings, FileKeyStore]:
    settings = Settings.from_env({"CCR_HOME": str(path), "CCR_KEYS": str(path / "keys")})
    keys = FileKeyStore(settings.keys)
    if ledger_key:
        keys.create_ledger_key()
    return settings, keys


def body(n: int) -> dict:
    """A minimal certificate body, as ``carry_out`` makes one."""
    return {
        "title": "Deletion certificate",
        "request_id": f"caller-2026120{n}T000000Z-00000{n}",
        "kind": "caller",
        "processor": "test",
        "tenants": ["acme"],
        "subject": None,
        "performed_at": f"2026-12-0{n}T00:00:00+00:00",
        "as_of": None,
        "rules": [{"rule": "caller_erasure"}],
        "tables": [{"table": "bronze.calls", "rows_deleted": n, "rows_nulled": 0}],
        "files": {"audio": n},
        "copies": {},
        "kept": [],
        "verification": {
            "passed": True,
            "roots": ["home"],
            "needles_by_kind": {"call_id": n},
            "needles_too_short_to_search": 0,
            "files_scanned": 9,
            "bytes_scanned": 99,
            "parquet_files_decoded": 1,
            "duckdb_files_decoded": 0,
            "unreadable_files": [],
            "canary_found": True,
            "hits": 0,
            "hits_by_kind": {},
            "hit_paths": [],
            "seconds": 0.1,
        },
        "seconds": 0.1,
    }


@pytest.fixture
def filled(tmp_path) -> tuple[Settings, FileKeyStore, Ledger]:
    settings, keys = home(tmp_path / "home")
    for n in (1, 2, 3):
        record(body(n), settings, keys)
    return settings, keys, ledger_of(settings, keys)


def ledger_of(settings: Settings, keys: FileKeyStore) -> Ledger:
    return Ledger(Path(settings.compliance_dir) / LEDGER_NAME, keys)


def certificates_of(settings: Settings) -> Path:
    return Path(settings.compliance_dir) / certificates.CERTIFICATES


def rewrite(ledger: Ledger, entries: list[dict]) -> None:
    ledger.path.write_text("".join(canonical(e).decode() + "\n" for e in entries))


def first_bad(settings: Settings, ledger: Ledger) -> int | None:
    return ledger.check(certificates_of(settings)).first_bad


def test_entries_are_chained_maced_and_their_head_is_in_the_key_store(filled):
    settings, keys, ledger = filled
    entries = ledger.entries()
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[0]["prev_hash"] == GENESIS
    assert entries[1]["prev_hash"] == entries[0]["entry_hash"]
    assert all(len(e["mac"]) == 64 for e in entries)
    assert len({e["ledger_id"] for e in entries}) == 1
    found = ledger.check(certificates_of(settings))
    assert found.intact and found.verifiable, found.lines()
    (head,) = [json.loads(h) for h in keys.ledger_heads()]
    assert (head["seq"], head["entry_hash"]) == (3, entries[2]["entry_hash"])
    assert not list(Path(settings.compliance_dir).glob("*head*"))  # not beside the ledger


def test_an_edited_entry_is_named(filled):
    settings, _, ledger = filled
    entries = ledger.entries()
    entries[1]["rows_deleted"] = 0
    rewrite(ledger, entries)
    assert first_bad(settings, ledger) == 2


def test_a_chain_recomputed_without_the_key_is_named_at_the_entry_rewritten(filled):
    settings, _, ledger = filled
    entries = ledger.entries()
    entries[1]["rows_deleted"] = 99
    previous = entries[0]["entry_hash"]
    for entry in entries[1:]:  # every hash after it recomputed, as an attacker would
        entry["prev_hash"] = previous
        entry["entry_hash"] = previous = entry_hash(entry)
    rewrite(ledger, entries)
    problems = ledger.check().lines()
    assert problems[0].startswith("entry 2: MAC does not match"), problems
    assert first_bad(settings, ledger) == 2


def test_a_removed_last_entry_shows_against_the_head(filled):
    settings, _, ledger = filled
    rewrite(ledger, ledger.entries()[:2])
    found = ledger.check(certificates_of(settings))
    assert found.first_bad == 3
    assert any("entries were removed" in line for line in found.lines())


def test_a_ledger_rolled_back_to_an_older_copy_of_itself_shows(filled, tmp_path):
    settings, keys, ledger = filled
    older = ledger.path.read_text().splitlines(keepends=True)[:1]
    record(body(4), settings, keys)
    ledger.path.write_text("".join(older))
    assert first_bad(settings, ledger) == 2


def test_an_edited_certificate_is_named_json_or_html(filled):
    settings, _, ledger = filled
    name = ledger.entries()[1]["certificate"].split("/")[-1]
    path = certificates_of(settings) / name
    original = path.read_text()
    path.write_text(original.replace('"rows_deleted": 2', '"rows_deleted": 0'))
    assert first_bad(settings, ledger) == 2
    path.write_text(original)
    html = path.with_suffix(".html")
    html.write_text(html.read_text().replace("passed", "passed with flying colours"))
    found = ledger.check(certificates_of(settings))
    assert found.first_bad == 2 and ".html was changed" in found.lines()[0]
    html.unlink()
    path.unlink()
    assert any("missing" in line for line in ledger.check(certificates_of(settings)).lines())


def test_a_ledger_copied_from_another_home_does_not_verify(filled, tmp_path):
    _, _, ledger = filled
    other, other_keys = home(tmp_path / "other")
    record(body(1), other, other_keys)
    theirs = ledger_of(other, other_keys)
    shutil.copyfile(ledger.path, theirs.path)  # this home's ledger, dropped into the other
    found = theirs.check()
    assert found.first_bad == 1 and "MAC does not match" in found.lines()[0]


def test_another_ledger_swapped_in_under_a_shared_key_store_shows(tmp_path):
    """Two homes sharing a key store: one's ledger copied over the other's is named."""
    a, keys = home(tmp_path / "a")
    b = Settings.from_env({"CCR_HOME": str(tmp_path / "b"), "CCR_KEYS": str(tmp_path / "a/keys")})
    record(body(1), a, keys)
    record(body(2), b, keys)
    shutil.copyfile(ledger_of(a, keys).path, ledger_of(b, keys).path)
    found = ledger_of(b, keys).check()
    assert found.first_bad == 1 and "another ledger for this folder" in found.lines()[0]
    assert ledger_of(a, keys).check().intact


def test_a_copied_home_continues_in_a_new_segment_and_the_original_still_verifies(tmp_path):
    original, keys = home(tmp_path / "home")
    record(body(1), original, keys)
    shutil.copytree(tmp_path / "home", tmp_path / "copy", symlinks=True)  # keys included
    copy = Settings.from_env(
        {"CCR_HOME": str(tmp_path / "copy"), "CCR_KEYS": str(tmp_path / "copy/keys")}
    )
    copy_keys = FileKeyStore(copy.keys)
    record(body(2), copy, copy_keys)
    entries = ledger_of(copy, copy_keys).entries()
    assert entries[1]["ledger_id"] != entries[0]["ledger_id"]
    assert entries[1]["continues"]["seq"] == 1
    assert ledger_of(copy, copy_keys).check(certificates_of(copy)).intact
    assert ledger_of(original, keys).check(certificates_of(original)).intact


def test_a_copy_sharing_the_key_store_continues_without_spoiling_the_original(tmp_path):
    keys_dir = tmp_path / "keys"
    original = Settings.from_env({"CCR_HOME": str(tmp_path / "a"), "CCR_KEYS": str(keys_dir)})
    keys = FileKeyStore(keys_dir)
    keys.create_ledger_key()
    record(body(1), original, keys)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    copy = Settings.from_env({"CCR_HOME": str(tmp_path / "b"), "CCR_KEYS": str(keys_dir)})
    record(body(2), copy, keys)
    assert ledger_of(copy, keys).check(certificates_of(copy)).intact
    assert ledger_of(original, keys).check(certificates_of(original)).intact
    record(body(3), original, keys)
    assert ledger_of(original, keys).check(certificates_of(original)).intact


def test_without_the_ledger_key_nothing_is_appended_and_nothing_verifies(tmp_path):
    settings, keys = home(tmp_path / "home", ledger_key=False)
    with pytest.raises(LedgerError, match="ccr keys create --ledger"):
        record(body(1), settings, keys)
    assert not ledger_of(settings, keys).path.exists()
    assert keys.ledger_status() == "missing"
    keys.create_ledger_key()
    record(body(1), settings, keys)
    (Path(settings.keys) / "erasure-ledger.mac-key").unlink()
    found = ledger_of(settings, keys).check()
    assert found.intact and not found.verifiable


def test_legacy_entries_are_unverifiable_until_sealed_then_sealed(tmp_path):
    settings, keys = home(tmp_path / "home")
    path = ledger_of(settings, keys).path
    path.parent.mkdir(parents=True)
    legacy, previous = [], GENESIS
    for n in (1, 2):  # as main wrote them: chained, no MAC, no head
        entry = {"request_id": f"r{n}", "kind": "caller", "seq": n, "prev_hash": previous}
        entry["entry_hash"] = previous = entry_hash(entry)
        legacy.append(entry)
    rewrite(ledger_of(settings, keys), legacy)
    found = ledger_of(settings, keys).check()
    assert found.intact and not found.verifiable and found.legacy == 2
    assert "legacy" in found.notes[0]
    record(body(3), settings, keys)  # the first MAC'd entry seals them
    found = ledger_of(settings, keys).check(certificates_of(settings))
    assert found.intact and found.verifiable and "sealed by entry 3" in found.notes[0]
    # editing a sealed legacy entry, even re-chained, no longer verifies
    entries = ledger_of(settings, keys).entries()
    entries[0]["kind"] = "agent"
    entries[0]["entry_hash"] = entry_hash(entries[0])
    entries[1]["prev_hash"] = entries[0]["entry_hash"]
    entries[1]["entry_hash"] = entry_hash(entries[1])
    rewrite(ledger_of(settings, keys), entries)
    assert ledger_of(settings, keys).check().first_bad == 3
    # and stripping the MACs to pass entries off as legacy does not either
    stripped = [
        {k: v for k, v in e.items() if k != "mac"} for e in ledger_of(settings, keys).entries()
    ]
    rewrite(ledger_of(settings, keys), stripped)
    assert not ledger_of(settings, keys).check().intact


def test_a_tampered_ledger_stops_the_next_erasure_before_it_deletes(filled):
    settings, keys, ledger = filled
    rewrite(ledger, ledger.entries()[:2])
    with pytest.raises(LedgerError, match="does not verify"):
        ledger.ready()
    with pytest.raises(LedgerError):
        record(body(4), settings, keys)
    assert len(ledger.entries()) == 2  # and the truncation is not laundered by an append


def run_ccr(settings: Settings, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    env = {"CCR_HOME": settings.home, "CCR_KEYS": settings.keys}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(out):
            code = cli.main(list(argv))
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return code, out.getvalue()


def test_ccr_compliance_ledger_verify_exits_non_zero_naming_the_first_bad_entry(filled):
    settings, _, ledger = filled
    code, printed = run_ccr(settings, "compliance", "ledger", "--verify")
    assert code == 0 and "chain intact (3 entries)" in printed
    entries = ledger.entries()
    entries[1]["rows_deleted"] = 0
    rewrite(ledger, entries)
    code, printed = run_ccr(settings, "compliance", "ledger", "--verify")
    assert code == 1 and "first bad entry 2" in printed
    (Path(settings.keys) / "erasure-ledger.mac-key").unlink()
    rewrite(ledger, ledger.entries()[:1])
    code, printed = run_ccr(settings, "compliance", "ledger", "--verify")
    assert code == 2 and "NOT verifiable" in printed


def test_ccr_keys_provisions_the_ledger_key_once_and_shows_it(tmp_path):
    settings, _ = home(tmp_path / "home", ledger_key=False)
    code, printed = run_ccr(settings, "keys", "status")
    assert "(erasure ledger)" in printed and "missing" in printed.splitlines()[-1]
    code, printed = run_ccr(settings, "keys", "create", "--ledger")
    assert code == 0 and "erasure-ledger key created" in printed
    mode = os.stat(Path(settings.keys) / "erasure-ledger.mac-key").st_mode & 0o777
    assert mode == 0o600
    code, printed = run_ccr(settings, "keys", "create", "--ledger")
    assert code == 1 and "never replaced" in printed
    code, printed = run_ccr(settings, "keys", "status")
    assert printed.splitlines()[-1].split() == ["(erasure", "ledger)", "ok"]


def test_the_subject_is_a_keyed_hash_never_the_caller_pseudonym(tmp_path):
    keys = FileKeyStore(tmp_path / "keys")
    keys.create("acme")
    phone = "+447700900123"
    hashed = subject_hash(keys, "acme", "caller", phone)
    assert len(hashed) == 64 and phone not in hashed
    assert hashed != caller_key(keys, "acme", phone)
    assert hashed == subject_hash(keys, "acme", "caller", phone)
    keys.create("globex")
    assert hashed != subject_hash(keys, "globex", "caller", phone)
