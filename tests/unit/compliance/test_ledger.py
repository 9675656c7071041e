"""The erasure ledger: entries chain, any change breaks the chain, subjects are keyed hashes."""

from __future__ import annotations

import json

import pytest

from transforms.compliance.ledger import GENESIS, Ledger, subject_hash
from transforms.core.keys import FileKeyStore
from transforms.privacy.pseudonymise import caller_key


@pytest.fixture
def ledger(tmp_path) -> Ledger:
    ledger = Ledger(tmp_path / "erasure_ledger.jsonl")
    for i in range(3):
        ledger.append({"request_id": f"r{i}", "kind": "caller", "rows_deleted": i})
    return ledger


def test_entries_are_chained_in_order(ledger):
    entries = ledger.entries()
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[0]["prev_hash"] == GENESIS
    assert entries[1]["prev_hash"] == entries[0]["entry_hash"]
    assert ledger.verify() == []


def rewrite(ledger: Ledger, change) -> None:
    lines = ledger.path.read_text().splitlines()
    ledger.path.write_text("\n".join(change(lines)) + "\n")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda ls: [ls[0], ls[1].replace('"rows_deleted":1', '"rows_deleted":0'), ls[2]],
            "entry 2: content",
        ),
        (lambda ls: [ls[0], ls[2]], "entry 2: sequence"),
        (lambda ls: [ls[1], ls[0], ls[2]], "entry 1: sequence"),
        (lambda ls: ls[:2], None),  # truncating the end is only detectable against a copy
    ],
)
def test_tampering_is_detected(ledger, change, expected):
    rewrite(ledger, change)
    problems = ledger.verify()
    if expected is None:
        assert problems == []
    else:
        assert any(p.startswith(expected) for p in problems), problems


def test_a_recomputed_hash_does_not_hide_a_change(ledger):
    entries = ledger.entries()
    entries[1]["rows_deleted"] = 99
    from transforms.compliance.ledger import entry_hash

    entries[1]["entry_hash"] = entry_hash(entries[1])
    ledger.path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    assert any(p.startswith("entry 3: does not follow") for p in ledger.verify())


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
