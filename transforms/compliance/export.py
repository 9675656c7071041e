"""Restitution (DPA §17) and access (GDPR art. 15): a tenant's, or one person's, data handed over
as files a client can read without us.

An export folder holds ``tables/<layer>.<table>.parquet`` (every lakehouse table and KPI mart,
read through the lakehouse, filtered to the tenant or the person), the original recordings under
``audio/`` (and the redacted playback copies, the quarantined bytes), a ``README.md`` describing
every table and column from the data contracts, and ``manifest.json`` with the SHA-256 and size
of every file and where every table and file was drawn from (``sources``: the lakehouse table,
the published KPI file and table, the stored object relative to the lakehouse root). The
caller's number is not in it (we never stored it); pseudonyms are, as stored.

Every export is recorded in ``$CCR_HOME/compliance/exports.jsonl`` (when, what scope, which
folder, how many files): an erasure looks for its erased objects and rows in every recorded
export folder still on this host, since a copy left there is a copy the erasure must not miss.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from transforms.compliance.actions import call_files, name_of, quarantine_files
from transforms.core import storage
from transforms.core.contracts import load_contracts
from transforms.core.crypto import is_sealed
from transforms.core.lakehouse import Lakehouse
from transforms.core.locks import exclusive
from transforms.core.settings import Settings
from transforms.core.tables import (
    ALL_TABLES,
    CALLS,
    PROCESSING_LOG,
    QUARANTINE,
    RETENTION_PLAN,
    TRANSCRIPTS,
)
from transforms.kpis import publish

MANIFEST = "manifest.json"
#: The register of exports written on this host, under the compliance folder.
EXPORTS = "exports.jsonl"


class ExportError(ValueError):
    """An export that cannot be written where asked."""


def check_destination(out: Path, settings: Settings) -> None:
    """Outside CCR_HOME (an export there would be scanned, and erased, with the data) and empty."""
    out = out.resolve()
    if out.is_relative_to(Path(settings.home).resolve()):
        raise ExportError(f"{out}: write exports outside CCR_HOME ({settings.home})")
    if out.exists() and any(out.iterdir()):
        raise ExportError(f"{out}: the folder is not empty")


def tenant_export(lh: Lakehouse, settings: Settings, tenant_id: str, out: Path) -> dict[str, Any]:
    """Every row, recording and quarantined file of ``tenant_id``; the manifest."""
    check_destination(out, settings)
    tables = {name_of(s): lh.read(s, tenant_id, decrypt=True) for s in ALL_TABLES}
    for spec in (PROCESSING_LOG, RETENTION_PLAN):
        tables[name_of(spec)] = lh.read(spec).filter(pl.col("tenant_id") == tenant_id)
    origins = {name: f"lakehouse table {name}" for name in tables}
    found = marts(settings, lambda frame: frame, tenant_id)
    tables |= found
    origins |= {name: mart_origin(settings, tenant_id, name) for name in found}
    calls = tables[name_of(CALLS)]
    files = object_files(lh, calls, tables[name_of(TRANSCRIPTS)], tables[name_of(QUARANTINE)])
    scope = f"all data of tenant {tenant_id}"
    manifest = write_export(
        out, tables, files, scope, origins, lh.root, lambda d: lh.unseal(tenant_id, d)
    )
    register_export(settings, out, "tenant", tenant_id, manifest)
    return manifest


def mart_origin(settings: Settings, tenant_id: str, name: str) -> str:
    """Where a published mart was read: the tenant's KPI file, relative to the warehouse."""
    path = publish.tenant_database(settings.warehouse, tenant_id)
    return f"published KPI file {path.relative_to(settings.warehouse)}, table {name.split('.')[-1]}"


def marts(
    settings: Settings,
    keep: Callable[[pl.DataFrame], pl.DataFrame | None],
    tenant_id: str | None = None,
    names: Collection[str] | None = None,
) -> dict[str, pl.DataFrame]:
    """The published KPI marts (``marts.<name>``) of ``tenant_id``'s database, or of every
    tenant's together, each through ``keep`` (None: the mart is left out); only ``names`` when
    given (a year of verdicts is millions of rows: read what is asked for)."""
    if tenant_id is not None:
        path = publish.tenant_database(settings.warehouse, tenant_id)
        if not path.exists():
            return {}
        con = duckdb.connect(str(path), read_only=True)
    else:
        con = duckdb.connect()
        if not publish.all_tenants(con, settings.warehouse):
            con.close()
            return {}
    out = {}
    with con:
        for (name,) in con.execute("show tables").fetchall():
            if names is not None and name not in names:
                continue
            frame = pl.from_arrow(con.sql(f'select * from "{name}"').to_arrow_table())
            assert isinstance(frame, pl.DataFrame)
            kept = keep(frame)
            if kept is not None:
                out[f"marts.{name}"] = kept
    return out


def object_files(
    lh: Lakehouse, calls: pl.DataFrame, transcripts: pl.DataFrame, quarantine: pl.DataFrame
) -> dict[str, str]:
    """Export path → stored file: recordings, playback copies, quarantined bytes."""
    files = {}
    for uri in call_files(lh, calls, transcripts):
        kind = "playback" if ".playback." in uri else "audio"
        if not uri.endswith(".partial"):
            files[f"{kind}/{uri.rsplit('/', 1)[-1]}"] = uri
    for uri in quarantine_files(lh, quarantine, keep=calls.clear()):
        files[f"quarantine_files/{uri.rsplit('/', 1)[-1]}"] = uri
    return files


def write_export(
    out: Path,
    tables: Mapping[str, pl.DataFrame],
    files: Mapping[str, str],
    scope: str,
    origins: Mapping[str, str],
    root: str,
    unseal: Callable[[bytes], bytes] | None = None,
) -> dict[str, Any]:
    """Tables as Parquet, files copied (opened with the tenant's data key by ``unseal``: the
    client gets its recordings, not our ciphertext), README and manifest (sha256 of every file,
    and where every table and file was drawn from: ``origins`` per table, stored files relative
    to the lakehouse ``root``)."""
    (out / "tables").mkdir(parents=True, exist_ok=True)
    for name, frame in sorted(tables.items()):
        frame.write_parquet(out / "tables" / f"{name}.parquet")
    for relative, uri in sorted(files.items()):
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if "://" in uri:  # an object store: streamed, a recording may be large
            storage.copy_to_local(uri, target)
        else:
            shutil.copyfile(uri, target)
        if unseal is not None:
            with target.open("rb") as f:
                sealed = is_sealed(f.read(16))
            if sealed:
                target.write_bytes(unseal(target.read_bytes()))
    (out / "README.md").write_text(readme(scope, tables))
    base = root.rstrip("/") + "/"
    manifest = {
        "scope": scope,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": {name: frame.height for name, frame in sorted(tables.items())},
        "sources": {
            "tables": {
                name: {"file": f"tables/{name}.parquet", "from": origins[name]}
                for name in sorted(tables)
            },
            "files": {
                relative: {"from": f"lakehouse object {uri.removeprefix(base)}"}
                for relative, uri in sorted(files.items())
            },
        },
        "files": {
            str(p.relative_to(out)): {"sha256": storage.file_sha256(p), "bytes": p.stat().st_size}
            for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != MANIFEST
        },
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def register_export(
    settings: Settings, out: Path, scope: str, tenant_id: str, manifest: Mapping[str, Any]
) -> None:
    """One line in the export register: when, what scope, which folder, how many files and
    rows (no subject, no file name)."""
    folder = Path(settings.compliance_dir)
    folder.mkdir(parents=True, exist_ok=True)
    entry = {
        "exported_at": manifest["exported_at"],
        "scope": scope,
        "tenant_id": tenant_id,
        "folder": str(out.resolve()),
        "files": len(manifest["files"]),
        "rows": sum(manifest["rows"].values()),
    }
    with exclusive(folder / f".{EXPORTS}.lock"), (folder / EXPORTS).open("a") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def recorded_exports(settings: Settings, tenants: Collection[str]) -> list[Path]:
    """The recorded export folders of ``tenants`` (whatever is still at each path)."""
    register = Path(settings.compliance_dir) / EXPORTS
    if not register.exists():
        return []
    entries = [json.loads(line) for line in register.read_text().splitlines() if line.strip()]
    folders = [Path(e["folder"]) for e in entries if e.get("tenant_id") in tenants]
    return list(dict.fromkeys(folders))


def readme(scope: str, tables: Mapping[str, pl.DataFrame]) -> str:
    """What is in the folder and what every column means, from the data contracts."""
    contracts = load_contracts()
    lines = [
        "# Data export",
        "",
        f"Scope: {scope}. Exported by CallCenterRate (processor) for the controller.",
        "",
        "- `tables/<layer>.<table>.parquet`: one Apache Parquet file per table (open with "
        "Polars, pandas, DuckDB, Spark or Excel's Power Query). Timestamps are UTC.",
        "- `audio/<sha256>.<ext>`: the original recordings as received; `playback/`: the "
        "redacted playback copies (FLAC); `quarantine_files/`: files set aside at ingest.",
        "- `manifest.json`: SHA-256 and size of every file, and the rows of every table.",
        "",
        "Caller phone numbers were never stored: `caller_key` is their keyed pseudonym "
        "(HMAC-SHA256 with the tenant's secret).",
        "",
    ]
    for name, frame in sorted(tables.items()):
        contract = contracts.get(name)
        lines += [f"## {name} ({frame.height} rows)", ""]
        if contract is None:
            lines += [", ".join(f"`{c}`" for c in frame.columns), ""]
            continue
        lines += [contract.description, "", "| column | type | personal data | meaning |"]
        lines += ["|---|---|---|---|"]
        for c in contract.columns:
            meaning = c.description.replace("|", "/")
            lines.append(f"| `{c.name}` | {c.physical_type} | {c.pii_class} | {meaning} |")
        lines.append("")
    return "\n".join(lines)
