"""What a restore needs to carry out an erasure again: the erased surrogate keys and files, as
keyed hashes only.

Every erasure writes ``compliance/replay/<request_id>.json`` beside its certificate, and its
ledger entry holds the file's SHA-256 (``replay_sha256``), so the file is covered by the entry's
MAC and the chain: it cannot be edited or swapped unseen. It holds, per action, the table, what
was done (delete or null which columns), and for each key or file an HMAC-SHA256 under a key
derived from the erasure-ledger key (which lives in the key store, never in a backup): nothing
in it names a call, a caller or a file to anyone without the key store, and the residual scan,
which looks for the erased values in clear, finds none of them in it.

A restore (``transforms.compliance.backup``) hashes the keys of the restored rows and the paths
of the restored files the same way and deletes (or nulls) those that match, for every ledger
entry after the snapshot; a tenant purge deletes the tenant's partitions and folders whole.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transforms.compliance.actions import Action, name_of
from transforms.core import storage
from transforms.core.keys import KeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.tables import ALL_TABLES, TableSpec

REPLAY = "replay"
_SPECS: dict[str, TableSpec] = {name_of(s): s for s in ALL_TABLES}
#: Folders of the lakehouse holding a tenant's stored objects (``<folder>/<tenant>/…``).
OBJECT_FOLDERS = ("audio", "quarantine_files")


class ReplayError(RuntimeError):
    """An erasure made after the snapshot cannot be carried out again: the restore stops."""


def _key(keys: KeyStore) -> bytes:
    return hmac.new(keys.ledger_secret(), b"ccr-erasure-replay-1", hashlib.sha256).digest()


def _h(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\0".join(parts).encode(), hashlib.sha256).hexdigest()


def relative(uri: str, root: str) -> str:
    base = root.rstrip("/") + "/"
    return uri[len(base) :] if uri.startswith(base) else uri


def document(
    request_id: str, actions: tuple[Action, ...], purged: tuple[str, ...], keys: KeyStore, root: str
) -> dict[str, Any]:
    """The replay document of one erasure (keyed hashes only)."""
    key = _key(keys)
    out: list[dict[str, Any]] = []
    for a in actions:
        if a.action in ("delete_rows", "null_columns") and a.key_column and a.table in _SPECS:
            out.append(
                {
                    "tenant_id": a.tenant_id,
                    "table": a.table,
                    "action": a.action,
                    "key_column": a.key_column,
                    "columns": list(a.columns),
                    "keys": sorted(_h(key, a.tenant_id, a.table, k) for k in a.keys),
                }
            )
        elif a.action == "delete_files":
            files = [relative(f, root) for f in a.files]
            folders = [relative(f, root) for f in a.folders]
            out.append(
                {
                    "tenant_id": a.tenant_id,
                    "action": "delete_files",
                    "files": sorted(_h(key, "file", f) for f in files),
                    "folders": sorted(_h(key, "file", f) for f in folders),
                }
            )
    return {"request_id": request_id, "purged": sorted(purged), "actions": out}


def write(folder: Path, doc: dict[str, Any]) -> str:
    """Write the document (0600 under umask 077); its SHA-256, for the ledger entry."""
    target = folder / REPLAY / f"{doc['request_id']}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    target.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def load(folder: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """The replay document of a ledger entry, checked against the digest the entry holds."""
    path = folder / REPLAY / f"{entry.get('request_id')}.json"
    if not path.is_file():
        raise ReplayError(
            f"ledger entry {entry.get('seq')} ({entry.get('kind')}) has no replay record "
            f"{REPLAY}/{path.name}: it cannot be carried out again on restored data"
        )
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry.get("replay_sha256"):
        raise ReplayError(f"the replay record of ledger entry {entry.get('seq')} was changed")
    return json.loads(data)


@dataclass
class Replayed:
    rows_deleted: int = 0
    rows_nulled: int = 0
    files_deleted: int = 0
    tenants_purged: list[str] = field(default_factory=list)


def apply(lh: Lakehouse, keys: KeyStore, doc: dict[str, Any], out: Replayed) -> None:
    """Carry the erasure out again on what is in the lakehouse now (idempotent: what is already
    gone matches nothing)."""
    key = _key(keys)
    roots = lh.roots
    for tenant in doc.get("purged", []):
        for spec in ALL_TABLES:
            out.rows_deleted += lh.delete_rows(spec, "tenant_id", [tenant])
        for folder in OBJECT_FOLDERS:
            out.files_deleted += storage.delete_tree(f"{lh.root}/{folder}/{tenant}", roots)
        out.tenants_purged.append(tenant)
    for a in doc.get("actions", []):
        if a["action"] == "delete_files":
            wanted = set(a["files"]) | set(a["folders"])
            folders = [f"{lh.root}/{f}/{a['tenant_id']}" for f in OBJECT_FOLDERS]
            for uri in [u for f in folders for u in storage.list_files(f)]:
                if _h(key, "file", relative(uri, lh.root)) in wanted:
                    storage.delete_file(uri, roots)
                    out.files_deleted += 1
            continue
        spec = _SPECS[a["table"]]
        tenant = None if a["key_column"] == "tenant_id" else a["tenant_id"]
        present = lh.read(spec, tenant, columns=[a["key_column"]])[a["key_column"]]
        wanted = set(a["keys"])
        matched = [
            v for v in present.drop_nulls().unique().to_list()
            if _h(key, a["tenant_id"], a["table"], str(v)) in wanted
        ]  # fmt: skip
        if not matched:
            continue
        if a["action"] == "delete_rows":
            out.rows_deleted += lh.delete_rows(spec, a["key_column"], matched, tenant)
        else:
            out.rows_nulled += lh.null_columns(spec, a["columns"], a["key_column"], matched, tenant)
