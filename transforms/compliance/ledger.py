"""The erasure ledger: an append-only, hash-chained record of every erasure carried out.

One JSON object per line in ``$CCR_HOME/compliance/erasure_ledger.jsonl``. Each entry holds the
hash of the previous one (``prev_hash``) and its own (``entry_hash``, SHA-256 of its canonical
JSON), so changing, removing or reordering any entry breaks the chain from there on
(``verify``). A subject appears only as a keyed hash (HMAC with the tenant's key, in a domain of
its own so it never equals a caller pseudonym); a tenant's entries become unlinkable to any
person when its key is destroyed.

A JSON Lines file rather than a Delta table: the chain needs one total order and one writer at a
time, which an append under a file lock with fsync gives directly; the file is readable without
tooling by an auditor; and it never needs a vacuum, since it holds no personal data, so there is
no history to forget and every earlier entry stays byte for byte as written.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from transforms.core.keys import KeyStore
from transforms.core.locks import exclusive
from transforms.privacy.pseudonymise import pseudonym

GENESIS = "0" * 64
LEDGER_NAME = "erasure_ledger.jsonl"


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes a hash is taken over: sorted keys, no whitespace, UTF-8."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(
        canonical({k: v for k, v in entry.items() if k != "entry_hash"})
    ).hexdigest()


def subject_hash(keys: KeyStore, tenant_id: str, kind: str, value: str) -> str:
    """The subject as the ledger names it: keyed with the tenant's secret, domain-separated
    (``erasure-ledger:<kind>:`` never starts a normalised phone number)."""
    return pseudonym(keys, tenant_id, f"erasure-ledger:{kind}:{value}")


class Ledger:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Chain ``entry`` after the last one and write it durably; the entry as written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with exclusive(self.path.with_name(f".{self.path.name}.lock")):
            previous = self.entries()
            entry = {
                **entry,
                "seq": len(previous) + 1,
                "prev_hash": previous[-1]["entry_hash"] if previous else GENESIS,
            }
            entry["entry_hash"] = entry_hash(entry)
            with self.path.open("ab") as f:
                f.write(canonical(entry) + b"\n")
                f.flush()
                os.fsync(f.fileno())
        return entry

    def verify(self) -> list[str]:
        """Where the chain is broken, one line per problem (empty: intact)."""
        problems = []
        previous = GENESIS
        try:
            entries = self.entries()
        except json.JSONDecodeError as exc:
            return [f"{self.path.name}: a line is not JSON ({exc.msg})"]
        for number, entry in enumerate(entries, start=1):
            if entry.get("seq") != number:
                problems.append(f"entry {number}: sequence number {entry.get('seq')}")
            if entry.get("prev_hash") != previous:
                problems.append(f"entry {number}: does not follow the previous entry")
            if entry.get("entry_hash") != entry_hash(entry):
                problems.append(f"entry {number}: content does not match its hash")
            previous = entry.get("entry_hash", "")
        return problems
