"""Physical erasure, carried out and proved.

One ``carry_out`` for every kind of request (a retention run, a tenant purge, one caller, one
agent): delete or null by surrogate key in the Delta tables, then forget their history (vacuum
with zero retention, checkpoint, log clean-up, all under the lakehouse's writer lock so no
MERGE commits in the middle); delete the recordings, playback copies, ``.partial`` leftovers,
quarantined bytes and landing files (and, in a versioned bucket, every old object version and
delete marker under the lakehouse prefix); clear dbt's artifacts and rebuild the KPI warehouse
into new files (a DuckDB file keeps deleted bytes); forget the purged tenants' Dagster
partitions and destroy their keys; check that no erased object is left (by location, and by
content digest and name in the residual scan, which also reads the export folders still on
this host) and scan every file for what was erased; then chain a ledger entry and write the
certificate. Dagster and dbt come in as callbacks (``Hooks``): this module stays pure.

Nothing is deleted unless the ledger can record it (its key is there and it verifies), and no
file outside the home's roots is ever deleted (``storage.Roots``).
"""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from transforms.compliance import backup, replay
from transforms.compliance import certificate as certificates
from transforms.compliance import needles as needle_lib
from transforms.compliance import objects as object_lib
from transforms.compliance.actions import ALL_TENANTS, Action, Plan, name_of
from transforms.compliance.export import recorded_exports
from transforms.compliance.kpi_changes import KpiChanges, kpi_changes
from transforms.compliance.ledger import LEDGER_NAME, Ledger
from transforms.compliance.needles import Needles
from transforms.compliance.scan import Scope, file_system_now, scan
from transforms.core import object_store, storage
from transforms.core.crypto import DecryptionError
from transforms.core.keys import KeyStore, KeyStoreError
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import REPO_ROOT, Settings
from transforms.core.tables import ALL_TABLES, CALLS, COMPLIANCE_TABLES, TableSpec
from transforms.core.tenants import load_tenants
from transforms.kpis import build_file
from transforms.kpis.publish import STAGING_FOLDER, Slots, tenant_database

PROCESSOR = "CallCenterRate (processor, GDPR art. 28)"
SPECS: dict[str, TableSpec] = {name_of(s): s for s in (*ALL_TABLES, *COMPLIANCE_TABLES)}


@dataclass(frozen=True)
class Request:
    """One erasure: what goes, what the proof looks for, and who it is about.

    ``needles`` hold the personal values being erased: in memory only, never written.
    """

    kind: str  # retention | tenant | caller | agent
    tenants: tuple[str, ...]
    actions: tuple[Action, ...]
    needles: Needles
    subject: dict[str, str] | None = None  # {"kind": ..., "keyed_hash": ...}
    as_of: date | None = None
    #: Tenants purged completely: their key is destroyed, their Dagster partitions removed.
    purged: tuple[str, ...] = ()
    #: Landing files to rewrite without the subject's rows: uri -> new bytes (None: delete).
    rewrites: dict[str, bytes | None] = field(default_factory=dict)
    kept: tuple[str, ...] = ()
    #: The stored objects erased, as the proof looks for them afterwards (in memory only).
    objects: object_lib.Objects = field(default_factory=object_lib.Objects)


@dataclass(frozen=True)
class Hooks:
    """What erasure needs from outside the lakehouse."""

    #: dbt run into a new build file (incremental over the calls the erasure changed, when
    #: they are known), the files of its tenants (None: all) published anew.
    rebuild_warehouse: Callable[[KpiChanges], Any]
    #: Remove a tenant's Dagster partitions; how many.
    forget_partitions: Callable[[str], int]
    #: After the erasure: how much the request would still find (0 = nothing left).
    remaining: Callable[[], int]


def retention_request(lh: Lakehouse, plan: Plan) -> Request:
    """A retention run as one request: the plan's work, the tenants it purges completely (key
    destroyed, Dagster partitions removed), what it keeps and why."""
    work = plan.work()
    purged = tuple(a.tenant_id for a in work if a.action == "purge_tenant")
    tenants = sorted({a.tenant_id for a in work} - {ALL_TENANTS})
    kept = tuple(
        f"{a.tenant_id}: {a.reason}"
        for a in plan.actions
        if a.action == "keep" and a.rule not in ("contract_running", "tenant_purged")
    )
    whole = {uid for a in work if a.action == "purge_tenant" for uid in a.calls}
    deleted = [a for a in work if a.table == name_of(CALLS) and a.action == "delete_rows"]
    rows_gone = whole | {uid for a in deleted for uid in a.calls}
    recordings = whole | {uid for a in work if a.table == "files:audio" for uid in a.calls}
    quarantined = set(needle_lib.quarantine_rows(lh, work)["quarantine_id"].to_list())
    files = [f for a in work if a.action == "delete_files" for f in a.files]
    return Request(
        kind="tenant" if purged else "retention",
        tenants=tuple(tenants),
        actions=work,
        needles=needle_lib.for_plan(lh, plan),
        as_of=plan.as_of,
        purged=purged,
        kept=kept,
        objects=object_lib.build(lh, files, recordings, rows_gone, quarantined),
    )


def scan_roots(settings: Settings) -> list[Path | str]:
    """Every folder the product writes to, the repository's dbt folders, and the lakehouse's
    object-store prefix (every object version in it) when it is on one."""
    roots: list[Path | str] = [Path(settings.home)]
    elsewhere = [settings.lakehouse, settings.warehouse, settings.landing]
    for folder in [*elsewhere, settings.dagster_home]:
        if folder and "://" not in folder and not Path(folder).is_relative_to(settings.home):
            roots.append(Path(folder))
    roots += [REPO_ROOT / "dbt_project" / "target", REPO_ROOT / "dbt_project" / "logs"]
    return roots + [f for f in elsewhere if object_store.is_s3(f)]


def sealed_opener(lh: Lakehouse, tenants: Sequence[str]) -> Callable[[bytes], bytes | None]:
    """Opens a file sealed by one of ``tenants`` (whose keys still exist) for the residual scan:
    a sealed copy of an erased recording left anywhere is found by its clear digest and bytes."""

    def opened(data: bytes) -> bytes | None:
        for tenant in tenants:
            try:
                return lh.unseal(tenant, data)
            except (DecryptionError, KeyStoreError):
                continue
        return None

    return opened


def forget_object_versions(settings: Settings) -> int:
    """On a versioned bucket, the old versions and delete markers that vacuums and file deletes
    left under the lakehouse prefix (each still holds, or names, what was erased)."""
    if not object_store.is_s3(settings.lakehouse):
        return 0
    return object_store.purge_noncurrent(settings.lakehouse)


def carry_out(
    request: Request,
    lh: Lakehouse,
    settings: Settings,
    keys: KeyStore,
    hooks: Hooks,
    now: datetime | None = None,
    *,
    narrow: bool = True,
    stages: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Erase, rebuild, forget, verify, record; the certificate (verification may have failed:
    ``certificate["verification"]["passed"]``).

    ``narrow`` (the default): the KPI rebuild is incremental over the calls the erasure changes
    and the residual scan leaves other tenants' unchanged files unread (``scan.Scope``);
    False rebuilds every mart and reads every file. ``stages`` gets the seconds of each step.
    """
    now = now or datetime.now(UTC)
    started = time.perf_counter()
    since = file_system_now(settings.home)  # change times are compared with the disk's clock
    clock = _Stages(stages)
    # an erasure that could not be recorded is not carried out (no key, a ledger that no
    # longer verifies): checked before anything is deleted
    Ledger(Path(settings.compliance_dir) / LEDGER_NAME, keys).ready()
    # a cross-tenant action may touch any tenant's marts: then every file is rewritten
    everyone = any(a.tenant_id == ALL_TENANTS for a in request.actions)
    changes = (
        kpi_changes(lh, request.actions, request.tenants)
        if narrow
        else KpiChanges(None if everyone else request.tenants)
    )
    known = known_tenants(lh, settings)
    clock.lap("changes")
    tables = erase_tables(lh, request.actions)
    clock.lap("delete_rows")
    files = erase_files(request.actions, request.rewrites, storage.Roots.for_settings(settings))
    copies = {"dbt_artifact_folders_cleared": clear_dbt_artifacts(settings)}
    clock.lap("delete_files")
    hooks.rebuild_warehouse(changes)
    clock.lap("rebuild_and_publish")
    # after the rebuild: nothing writes to the lakehouse any more in this request
    copies["object_versions_removed"] = forget_object_versions(settings)
    copies["warehouse_rebuilt_into_new_files"] = 1
    copies["dagster_partitions_removed"] = 0
    for tenant_id in request.purged:
        copies["dagster_partitions_removed"] += hooks.forget_partitions(tenant_id)
        keys.destroy(tenant_id)
    copies["pseudonym_keys_destroyed"] = len(request.purged)
    # Crypto-shredding: with its data key gone, every copy of a purged tenant's encrypted
    # recordings and text (a backup, a copied disk) is noise.
    copies["data_keys_destroyed"] = sum(keys.data_key_destroyed(t) for t in request.purged)
    # backups keep what was erased until they are pruned; a restore replays this erasure
    copies["backups_pruned_by"] = backup.forget_by(settings)
    proof = request.objects
    exports = recorded_exports(settings, request.tenants)
    present = [e for e in exports if e.exists()]
    needles = request.needles.values | dict.fromkeys(proof.names, "audio_sha256")
    scope = scan_scope(settings, request.tenants, known, since) if narrow and not everyone else None
    clock.lap("forget")
    report = scan(
        [*scan_roots(settings), *present],
        needles,
        digests=proof.digests,
        sizes=proof.sizes,
        scope=scope,
        opener=sealed_opener(lh, request.tenants),
    )
    clock.lap("residual_scan")
    remaining = hooks.remaining()
    left = proof.left()
    verification = report.as_dict() | {"remaining_after": remaining}
    verification["objects"] = {
        "locations_checked": proof.counts(),
        "locations_left": left,
        "digests_searched": proof.digest_counts(),
        "names_searched": len(proof.names),
        "export_folders_scanned": len(present),
        "export_folders_no_longer_here": len(exports) - len(present),
    }
    verification["passed"] = report.passed and remaining == 0 and not any(left.values())
    body = {
        "title": "Deletion certificate",
        "request_id": f"{request.kind}-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}",
        "kind": request.kind,
        "processor": PROCESSOR,
        "tenants": list(request.tenants),
        "subject": request.subject,
        "performed_at": now.isoformat(timespec="seconds"),
        "as_of": str(request.as_of) if request.as_of else None,
        "rules": _rules(request.actions),
        "tables": tables,
        "files": files,
        "copies": copies,
        "kept": list(request.kept),
        "verification": verification,
        "seconds": round(time.perf_counter() - started, 2),
    }
    if scope is not None:
        verification["narrowed_to_tenants"] = sorted(scope.tenants)
    clock.lap("verify")
    # what a restore of an older backup needs to carry this erasure out again (keyed hashes)
    again = replay.document(body["request_id"], request.actions, request.purged, keys, lh.root)
    certificate = record(body, settings, keys, again)
    clock.lap("ledger")
    return certificate


class _Stages:
    """Seconds per step of ``carry_out``, into the caller's dict (the benchmark's table)."""

    def __init__(self, into: dict[str, float] | None) -> None:
        self.into = into
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.into is not None:
            self.into[name] = self.into.get(name, 0.0) + now - self.last
        self.last = now


def known_tenants(lh: Lakehouse, settings: Settings) -> set[str]:
    """The tenants whose own folders a narrowed scan may leave unread (less the erased ones):
    every tenant with calls in the lakehouse, and every tenant of the registry (one under
    contract with no call yet has its published files)."""
    known = set(lh.read(CALLS, columns=["tenant_id"])["tenant_id"].unique().to_list())
    if Path(settings.tenants_file).is_file():
        known |= set(load_tenants(settings.tenants_file))
    return known


def scan_scope(settings: Settings, tenants: Sequence[str], known: set[str], since: float) -> Scope:
    """What the residual scan of an erasure of ``tenants`` may leave unread: the files of the
    other ``known`` tenants' own folders that have not changed since ``since`` (the erasure's
    start). The erased rows were never theirs, and the erasure rewrote none of them."""
    published = tenant_database(settings.warehouse, "x").parent
    return Scope(
        tenants=frozenset(tenants),
        others=frozenset(known - set(tenants)),
        stores=(
            settings.audio_store,
            settings.quarantine_store,
            settings.landing,
            settings.reviews_landing,
        ),
        lakehouse=settings.lakehouse,
        published=str(published),
        published_names={"": (".duckdb", ".html"), STAGING_FOLDER: Slots.SUFFIXES},
        since=since - 1.0,  # a file system's clock may round a change time down
    )


def record_not_found(
    kind: str,
    tenant_id: str,
    keyed_hash: str,
    settings: Settings,
    keys: KeyStore,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A request that matched nothing, in the ledger: answered, nothing erased, no certificate
    (a certificate would say something was verified); the entry as written."""
    now = now or datetime.now(UTC)
    ledger = Ledger(Path(settings.compliance_dir) / LEDGER_NAME, keys)
    return ledger.append(
        {
            "request_id": f"{kind}-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}",
            "kind": kind,
            "outcome": "not_found",
            "tenants": [tenant_id],
            "subject_hash": keyed_hash,
            "performed_at": now.isoformat(timespec="seconds"),
            "as_of": None,
            "rules": [],
            "rows_deleted": 0,
            "rows_nulled": 0,
            "files_deleted": 0,
            "verified": None,
            "certificate": None,
            "certificate_sha256": None,
        }
    )


def record(
    body: dict[str, Any],
    settings: Settings,
    keys: KeyStore,
    again: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Chain the ledger entry (holding the certificate's digest, and the replay record's:
    ``transforms.compliance.replay``), then write the certificate with its place in the
    ledger."""
    folder = Path(settings.compliance_dir)
    ledger = Ledger(folder / LEDGER_NAME, keys)
    replayed = {} if again is None else {"replay_sha256": replay.write(folder, again)}
    entry = ledger.append(
        replayed
        | {
            "request_id": body["request_id"],
            "kind": body["kind"],
            "outcome": "erased",
            "tenants": body["tenants"],
            "subject_hash": (body["subject"] or {}).get("keyed_hash"),
            "performed_at": body["performed_at"],
            "as_of": body["as_of"],
            "rules": sorted({r["rule"] for r in body["rules"]}),
            "rows_deleted": sum(t["rows_deleted"] for t in body["tables"]),
            "rows_nulled": sum(t["rows_nulled"] for t in body["tables"]),
            "files_deleted": sum(body["files"].values()),
            "verified": body["verification"]["passed"],
            "certificate": f"{certificates.CERTIFICATES}/{body['request_id']}.json",
            "certificate_sha256": certificates.digest(body),
        }
    )
    body["ledger"] = {
        "file": LEDGER_NAME,
        "seq": entry["seq"],
        "prev_hash": entry["prev_hash"],
        "entry_hash": entry["entry_hash"],
    }
    certificates.write_certificate(body, folder / certificates.CERTIFICATES)
    return body


def _rules(actions: tuple[Action, ...]) -> list[dict[str, Any]]:
    seen: dict[tuple, dict[str, Any]] = {}
    for a in actions:
        if a.action == "keep":
            continue
        key = (a.rule, a.category, str(a.period) if a.period else None)
        seen.setdefault(
            key,
            {
                "rule": a.rule,
                "category": a.category,
                "period": key[2],
                "cutoff": a.cutoff.isoformat() if a.cutoff else None,
                "reason": a.reason,
            },
        )
    return list(seen.values())


def erase_tables(lh: Lakehouse, actions: tuple[Action, ...]) -> list[dict[str, Any]]:
    """Deletes and nulls by surrogate key, then each touched table's history forgotten.

    bronze.calls last: if anything fails half-way, the call is still there and the next plan
    finds its remaining rows again (rows of a call already gone are deleted as orphans).
    """
    out: dict[str, dict[str, Any]] = {}
    row_work = [a for a in actions if a.action in ("delete_rows", "null_columns")]
    row_work.sort(key=lambda a: a.table == name_of(CALLS))
    with lh.writing():
        for a in row_work:
            spec = SPECS[a.table]
            entry = out.setdefault(
                a.table,
                {"table": a.table, "rows_deleted": 0, "rows_nulled": 0, "columns_nulled": []},
            )
            tenant = _partition(spec, a)
            assert a.key_column is not None
            if a.action == "delete_rows":
                entry["rows_deleted"] += lh.delete_rows(spec, a.key_column, a.keys, tenant)
            else:
                changed = lh.null_columns(spec, a.columns, a.key_column, a.keys, tenant)
                entry["rows_nulled"] += changed
                entry["columns_nulled"] = sorted({*entry["columns_nulled"], *a.columns})
        for name, entry in out.items():
            entry["data_files_removed"] = lh.forget_history(SPECS[name])
    return sorted(out.values(), key=lambda e: e["table"])


def _partition(spec: TableSpec, action: Action) -> str | None:
    """The tenant partition a keyed delete is confined to (faster, and safer)."""
    if action.key_column == "tenant_id" or "tenant_id" not in spec.partition_by:
        return None
    return action.tenant_id


def erase_files(
    actions: tuple[Action, ...], rewrites: dict[str, bytes | None], roots: storage.Roots
) -> dict[str, int]:
    """Files and folders of ``delete_files`` actions, and landing files rewritten; per store.
    Every location is checked against ``roots`` before the first deletion: one outside them
    (``storage.OutsideRoots``) stops the erasure with nothing deleted."""
    for uri in [
        *(u for a in actions if a.action == "delete_files" for u in (*a.files, *a.folders)),
        *rewrites,
    ]:
        roots.check(uri)
    counts: dict[str, int] = {}
    for a in actions:
        if a.action != "delete_files":
            continue
        store = a.table.removeprefix("files:")
        for uri in a.files:
            storage.delete_file(uri, roots)
        for folder in a.folders:
            storage.delete_tree(folder, roots)
        counts[store] = counts.get(store, 0) + len(a.files)
    for uri, data in rewrites.items():
        if data is None:
            storage.delete_file(uri, roots)
        else:
            storage.write_bytes(uri, data)
        counts["landing_rewritten"] = counts.get("landing_rewritten", 0) + 1
    return dict(sorted(counts.items()))


def clear_dbt_artifacts(settings: Settings) -> int:
    """Every dbt target folder of past builds (run results, compiled SQL, dbt.log), and any
    other file there but dbt's parse of the project (``build_file.PARSE_STATE``: code, no data;
    without it the rebuild that follows parses the whole project again)."""
    root = Path(settings.dbt_target_dir)
    if not root.exists():
        return 0
    storage.Roots.for_settings(settings).check(str(root))
    folders = [p for p in root.glob("*") if p.is_dir()]
    for entry in root.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        elif entry.name != build_file.PARSE_STATE or not entry.is_file() or entry.is_symlink():
            entry.unlink()
    return len(folders)
