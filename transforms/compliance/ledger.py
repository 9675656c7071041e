"""The erasure ledger: an append-only, hash-chained, MAC'd record of every erasure carried out.

One JSON object per line in ``$CCR_HOME/compliance/erasure_ledger.jsonl``. Each entry holds the
hash of the previous one (``prev_hash``) and its own (``entry_hash``, SHA-256 of its canonical
JSON), so changing, removing or reordering an entry breaks the chain from there on. A chain
alone proves nothing to someone who can write the file: they can rewrite an entry and recompute
every hash after it, or drop the last entries. So:

- every entry carries a MAC (``mac``: HMAC-SHA256 with the ledger key, over the whole entry),
  and the key lives in the key store (``ccr keys create --ledger``), not in the compliance
  folder: without it no entry can be forged or re-chained;
- the ledger's head (its id, last sequence number and entry hash, and the folder it belongs to)
  is also written to the key store after every append, MAC'd too: a dropped last entry, or a
  whole ledger swapped for an older copy, no longer matches it;
- every entry holds the SHA-256 of its certificate, and verification checks the certificate
  files (the JSON against that digest, the HTML against a rendering of the JSON).

An attacker who can write ``$CCR_HOME/compliance`` but not the key store can therefore edit,
recompute, truncate or replace the ledger and its certificates, and ``verify`` names the first
entry that no longer holds. A copied or moved home continues its ledger in a new segment
(a new ``ledger_id``, its first entry naming where it continues from), so a copy's appends never
make the original's head look truncated.

Entries written before entries were MAC'd (no ``mac``) are read as "legacy, unverifiable": they
may only come first, and the first MAC'd entry seals them (its MAC covers ``prev_hash``, the hash
of the last legacy entry), so they cannot be edited afterwards either; before that, nothing can
prove who wrote them, and verification says so (status "unverifiable").

A subject appears only as a keyed hash (HMAC with the tenant's key, in a domain of its own so it
never equals a caller pseudonym); a tenant's entries become unlinkable to any person when its key
is destroyed. A request that matched nothing is recorded too (``outcome: not_found``, no
certificate): the request was answered, nothing was erased, nothing is certified.

A JSON Lines file rather than a Delta table: the chain needs one total order and one writer at a
time, which an append under a file lock with fsync gives directly; the file is readable without
tooling by an auditor; and it never needs a vacuum, since it holds no personal data, so there is
no history to forget and every earlier entry stays byte for byte as written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transforms.core.keys import KeyStore, KeyStoreError
from transforms.core.locks import exclusive
from transforms.privacy.pseudonymise import pseudonym

GENESIS = "0" * 64
LEDGER_NAME = "erasure_ledger.jsonl"
#: Fields an entry's hash and MAC do not cover (the MAC covers the hash).
_UNHASHED = ("entry_hash", "mac")


class LedgerError(RuntimeError):
    """The ledger cannot be appended to (no key, or it no longer matches its head): no erasure
    is carried out until it is restored and verifies."""


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes a hash is taken over: sorted keys, no whitespace, UTF-8."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(
        canonical({k: v for k, v in entry.items() if k not in _UNHASHED})
    ).hexdigest()


def mac(key: bytes, document: dict[str, Any]) -> str:
    """HMAC-SHA256 of the document without its ``mac``."""
    body = canonical({k: v for k, v in document.items() if k != "mac"})
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def subject_hash(keys: KeyStore, tenant_id: str, kind: str, value: str) -> str:
    """The subject as the ledger names it: keyed with the tenant's secret, domain-separated
    (``erasure-ledger:<kind>:`` never starts a normalised phone number)."""
    return pseudonym(keys, tenant_id, f"erasure-ledger:{kind}:{value}")


@dataclass
class Verification:
    """What ``Ledger.check`` found: problems by entry number (the first bad entry first),
    notes, and whether the ledger could be verified at all."""

    entries: int = 0
    legacy: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: False when nothing proves who wrote the entries (no key, legacy entries only).
    verifiable: bool = True

    def problem(self, number: int, text: str) -> None:
        self.problems.append((number, text))

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> int | None:
        return min((n for n, _ in self.problems), default=None)

    def lines(self) -> list[str]:
        return [f"entry {n}: {text}" for n, text in sorted(self.problems, key=lambda p: p[0])]


class Ledger:
    def __init__(self, path: str | Path, keys: KeyStore | None = None) -> None:
        self.path = Path(path)
        self.keys = keys

    @property
    def folder(self) -> str:
        """The compliance folder the ledger belongs to, as its head records it."""
        return str(self.path.parent.resolve())

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]

    # ------------------------------------------------------------------ writing

    def ready(self) -> None:
        """Raise ``LedgerError`` unless an entry can be appended now: the key is there and the
        ledger verifies against it and its head. Called before an erasure deletes anything."""
        key = self._key()
        found = self._check(self.entries(), key)
        if found.problems:
            raise LedgerError(
                f"the erasure ledger {self.path} does not verify ({found.lines()[0]}): restore "
                "it from backup and run `ccr compliance ledger --verify`; no erasure is carried "
                "out until it verifies"
            )

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Chain ``entry`` after the last one, MAC it, write it durably, then move the head in
        the key store; the entry as written. ``LedgerError`` (nothing written) if the ledger no
        longer verifies."""
        key = self._key()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with exclusive(self.path.with_name(f".{self.path.name}.lock")):
            previous = self.entries()
            found = self._check(previous, key)
            if found.problems:
                raise LedgerError(
                    f"the erasure ledger {self.path} does not verify ({found.lines()[0]}): "
                    "nothing was appended"
                )
            last = previous[-1] if previous else None
            ledger_id, continues = self._segment(last)
            entry = {
                **entry,
                "seq": len(previous) + 1,
                "prev_hash": last["entry_hash"] if last else GENESIS,
                "ledger_id": ledger_id,
            }
            if continues:
                entry["continues"] = continues
            entry["entry_hash"] = entry_hash(entry)
            entry["mac"] = mac(key, entry)
            with self.path.open("ab") as f:
                f.write(canonical(entry) + b"\n")
                f.flush()
                os.fsync(f.fileno())
            self._write_head(key, entry)
        return entry

    def _key(self) -> bytes:
        if self.keys is None:
            raise LedgerError("the erasure ledger needs the key store (its MAC key and head)")
        try:
            return self.keys.ledger_secret()
        except KeyStoreError as exc:
            raise LedgerError(str(exc)) from None

    def _segment(self, last: dict[str, Any] | None) -> tuple[str, dict[str, Any] | None]:
        """The ledger id the next entry carries: the last entry's, unless its head was written
        from another folder (this home is a copy or was moved): then a new segment begins,
        naming where it continues from."""
        if last is None or "mac" not in last:
            return secrets.token_hex(16), None
        head = self._head(last["ledger_id"])
        if head is not None and head.get("folder") != self.folder:
            at = {"ledger_id": last["ledger_id"], "seq": last["seq"]}
            return secrets.token_hex(16), at | {"entry_hash": last["entry_hash"]}
        return last["ledger_id"], None

    def _write_head(self, key: bytes, entry: dict[str, Any]) -> None:
        assert self.keys is not None
        head = {
            "ledger_id": entry["ledger_id"],
            "seq": entry["seq"],
            "entry_hash": entry["entry_hash"],
            "folder": self.folder,
        }
        head["mac"] = mac(key, head)
        self.keys.write_ledger_head(entry["ledger_id"], canonical(head))

    def _head(self, ledger_id: str) -> dict[str, Any] | None:
        assert self.keys is not None
        data = self.keys.ledger_head(ledger_id)
        return json.loads(data) if data else None

    # ------------------------------------------------------------------ verifying

    def verify(self, certificates: Path | None = None) -> list[str]:
        """Where the ledger no longer holds, one line per problem, the first bad entry first
        (empty: intact)."""
        return self.check(certificates).lines()

    def check(self, certificates: Path | None = None) -> Verification:
        """The chain, every MAC, the head in the key store and (``certificates``: their
        folder) every certificate against the digest its entry holds."""
        try:
            entries = self.entries()
        except json.JSONDecodeError as exc:
            found = Verification()
            found.problem(exc.lineno, f"the line is not JSON ({exc.msg})")
            return found
        key: bytes | None = None
        why = "no key store given: the chain was checked, not the MACs"
        if self.keys is not None:
            try:
                key = self.keys.ledger_secret()
            except KeyStoreError as exc:
                why = f"cannot verify the MACs: {exc}"
        found = self._check(entries, key)
        if key is None:
            found.verifiable = False
            found.notes.append(why)
        if certificates is not None:
            _check_certificates(entries, certificates, found)
        return found

    def _check(self, entries: list[dict[str, Any]], key: bytes | None) -> Verification:
        found = Verification(entries=len(entries))
        previous = GENESIS
        sealed = False
        ids: list[str] = []
        for number, entry in enumerate(entries, start=1):
            if entry.get("seq") != number:
                found.problem(number, f"sequence number {entry.get('seq')}")
            if entry.get("prev_hash") != previous:
                found.problem(number, "does not follow the previous entry")
            if entry.get("entry_hash") != entry_hash(entry):
                found.problem(number, "content does not match its hash")
            previous = entry.get("entry_hash", "")
            if "mac" not in entry:
                if sealed:
                    found.problem(number, "has no MAC, after MAC'd entries (removed?)")
                else:
                    found.legacy += 1
                continue
            sealed = True
            if key is not None and not hmac.compare_digest(str(entry["mac"]), mac(key, entry)):
                found.problem(
                    number,
                    "MAC does not match the ledger key (edited, re-chained without the key, "
                    "or written by another home)",
                )
            if not ids or entry.get("ledger_id") != ids[-1]:
                if ids and entry.get("continues", {}).get("entry_hash") != entries[number - 2].get(
                    "entry_hash"
                ):
                    found.problem(number, "changes ledger id without continuing the previous one")
                ids.append(str(entry.get("ledger_id")))
        if found.legacy:
            if sealed:
                found.notes.append(
                    f"entries 1-{found.legacy}: legacy (written before entries were MAC'd), "
                    f"unverifiable on their own; sealed by entry {found.legacy + 1}"
                )
            else:
                found.verifiable = False
                found.notes.append(
                    f"entries 1-{found.legacy}: legacy (written before entries were MAC'd): "
                    "unverifiable until the next erasure seals them"
                )
        if self.keys is not None and key is not None:
            self._check_heads(entries, ids, key, found)
        return found

    def _check_heads(
        self, entries: list[dict[str, Any]], ids: list[str], key: bytes, found: Verification
    ) -> None:
        """The last segment against its head; and no other ledger recorded for this folder."""
        if ids:
            head = self._head(ids[-1])
            last = len(entries)
            if head is None:
                found.problem(
                    last,
                    "the key store holds no head for this ledger (a ledger from another home's "
                    "key store, or its head lost)",
                )
            elif not hmac.compare_digest(str(head.get("mac")), mac(key, head)):
                found.problem(last, "the head in the key store does not verify")
            elif head["seq"] > last:
                found.problem(
                    last + 1,
                    f"missing: the key store's head records {head['seq']} entries, the file "
                    f"holds {last} (entries were removed)",
                )
            elif entries[head["seq"] - 1].get("entry_hash") != head["entry_hash"]:
                found.problem(head["seq"], "does not match the head recorded in the key store")
            elif head["seq"] < last and head.get("folder") == self.folder:
                found.notes.append(
                    f"the head records entry {head['seq']}: the later entries verify by their "
                    "MACs (an append interrupted before the head moved); the next append moves it"
                )
        for data in self.keys.ledger_heads() if self.keys else []:
            other = json.loads(data)
            if other.get("folder") != self.folder or other.get("ledger_id") in ids:
                continue
            if not hmac.compare_digest(str(other.get("mac")), mac(key, other)):
                continue
            found.problem(
                1,
                f"the key store records another ledger for this folder ({other['seq']} "
                "entries): this file replaced it (a copy of another ledger, or emptied)",
            )


def _check_certificates(entries: list[dict[str, Any]], folder: Path, found: Verification) -> None:
    """Each entry's certificate: the JSON's digest as the entry holds it, its ledger section
    naming the entry, and the HTML as the JSON renders."""
    from transforms.compliance import certificate as certificates

    for number, entry in enumerate(entries, start=1):
        name = entry.get("certificate")
        if not name:
            continue
        path = folder / Path(name).name
        if not path.is_file():
            found.problem(number, f"its certificate {Path(name).name} is missing")
            continue
        try:
            body = json.loads(path.read_text())
        except json.JSONDecodeError:
            found.problem(number, f"its certificate {path.name} is not JSON")
            continue
        if certificates.digest(body) != entry.get("certificate_sha256"):
            found.problem(number, f"its certificate {path.name} was changed (digest differs)")
            continue
        section = body.get("ledger", {})
        if (section.get("seq"), section.get("entry_hash")) != (entry["seq"], entry["entry_hash"]):
            found.problem(number, f"its certificate {path.name} names another ledger entry")
        html = path.with_suffix(".html")
        if html.is_file() and html.read_text() != certificates.render(body):
            found.problem(number, f"its certificate {html.name} was changed (not the JSON's)")
