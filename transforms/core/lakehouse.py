"""Delta tables, reached only through deltalake: read, MERGE, create with the contract's schema,
and erase (delete or null by surrogate key, then forget the history that still holds the rows).

Nothing here uses ``os.path`` for lakehouse data, so the root may be a local folder or an
object-store URI (files that are not tables go through ``transforms.core.storage``; S3 options
through ``transforms.core.object_store``). Writes are MERGEs on the table key: re-running any
step writes nothing new.

Columns that hold the location of a stored object (``objectUri`` in the contract:
``bronze.calls.audio_uri``, ``silver.transcripts.playback_uri``,
``bronze.quarantine.quarantine_uri``) are stored relative to the lakehouse root
(``audio/<tenant>/<sha[:2]>/<sha>.<ext>``) and read back resolved against the root in force, so
a copied, restored or moved home points at its own files. A value written before paths were
relative is absolute: under the root in force it resolves as it is; outside it, it is refused
wherever it would be followed (``locate``: read, copied or deleted) until ``migrate_locations``
(``ccr lakehouse migrate-paths``) rewrites it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError, TableNotFoundError

from transforms.core import object_store, storage
from transforms.core.contracts import ContractError, diff_schema, load_contracts
from transforms.core.crypto import (
    ENCRYPTED_COLUMNS,
    DecryptionError,
    TenantCipher,
    is_ciphertext,
    is_sealed,
    object_aad,
    value_aad,
)
from transforms.core.keys import FileKeyStore, KeyStoreError
from transforms.core.locks import exclusive, writer_lock_path
from transforms.core.settings import Settings
from transforms.core.tables import ALL_TABLES, REJECTED_ROWS, TableSpec

#: Called after each MERGE with the table and its counts (the processing log's tally).
WriteObserver = Callable[[TableSpec, Mapping[str, int]], None]
#: What an erasure predicate may hold: surrogate keys (hex hashes) and tenant ids. Predicates are
#: written into ``_delta_log``; a phone number or a name is refused before it could get there.
_KEY_VALUE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,127}$")
#: Values per DELETE/UPDATE statement (each is one commit; the list is an IN predicate).
_KEYS_PER_STATEMENT = 10_000
#: A stored location that is absolute: a path from ``/`` or a URI (``s3://``, ``file://``).
_ABSOLUTE = r"^(/|[A-Za-z][A-Za-z0-9+.-]*://)"
#: A relative location that would climb out of the root.
_CLIMBS = r"(^|/)\.\.(/|$)"


class LocationError(ValueError):
    """A relative location that climbs out of the root (``..``): never stored, never followed."""


#: Present in the home's compliance folder while ``ccr backup restore`` replaces the lakehouse and
#: carries out again the erasures made since the backup (``transforms.compliance.backup``).
RESTORE_MARKER = "restore-in-progress.json"


class UnfinishedRestore(RuntimeError):
    """The lakehouse was being restored from a backup when the restore stopped: it may hold data
    erased since that backup. Nothing may read or write it until the restore is run again."""


def unfinished_restore(settings: Settings) -> str | None:
    """The backup whose restore did not finish in this home, or None."""
    marker = Path(settings.compliance_dir) / RESTORE_MARKER
    try:
        started = json.loads(marker.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):  # unreadable or cut short: still a restore that did not finish
        return "(unknown)"
    return str(started.get("backup_id", "(unknown)")) if isinstance(started, dict) else "(unknown)"


def conform(spec: TableSpec, rows: Iterable[Mapping[str, Any]] | pl.DataFrame) -> pa.Table:
    """Rows as an Arrow table with exactly the contract's schema.

    Fails loudly, naming table and columns, on a missing column and on a column the contract does
    not know (a column added in code but not in its contract would otherwise vanish silently).
    """
    if isinstance(rows, pl.DataFrame):
        columns = set(rows.columns)
    else:
        rows = list(rows)
        columns = set().union(*(r.keys() for r in rows)) if rows else set(spec.schema.names)
    missing, unknown = set(spec.schema.names) - columns, columns - set(spec.schema.names)
    if unknown:
        raise ContractError(
            f"{spec.layer}.{spec.name}: columns {sorted(unknown)} are not in its contract "
            f"data_contracts/{spec.layer}.{spec.name}.odcs.yaml; add them there first"
        )
    if isinstance(rows, pl.DataFrame):
        if missing:
            raise ContractError(f"{spec.layer}.{spec.name}: missing columns {sorted(missing)}")
        return rows.select(spec.schema.names).to_arrow().cast(spec.schema)
    if missing and rows:
        raise ContractError(f"{spec.layer}.{spec.name}: missing columns {sorted(missing)}")
    return pa.Table.from_pylist(rows, schema=spec.schema)


def split_by_rules(spec: TableSpec, data: pa.Table) -> tuple[pa.Table, pl.DataFrame]:
    """Rows that keep the contract's row-level rules, and the others with the rules they broke.

    The broken rules come back as a list column ``_broken`` of rule names, in contract order.
    """
    contract = load_contracts().get(f"{spec.layer}.{spec.name}")
    rules = contract.row_rules() if contract else ()
    if not rules or data.num_rows == 0:
        return data, pl.DataFrame()
    frame = pl.from_arrow(data)
    assert isinstance(frame, pl.DataFrame)
    broken = frame.with_columns(
        pl.concat_list(
            [pl.when(r.violations()).then(pl.lit(r.name)).otherwise(None) for r in rules]
        )
        .list.drop_nulls()
        .alias("_broken")
    )
    bad = pl.col("_broken").list.len() > 0
    good = broken.filter(~bad).drop("_broken")
    return good.to_arrow().cast(spec.schema), broken.filter(bad)


def rejected_rows(
    spec: TableSpec, bad: pl.DataFrame, run_id: str | None, now: datetime | None = None
) -> pa.Table:
    """bronze.rejected_rows rows for rows that broke a rule: rule name, key and the row itself."""
    now = now or datetime.now(UTC)
    reasons = {r.name: r.description for r in load_contracts()[f"{spec.layer}.{spec.name}"].rules}
    out = []
    for row in bad.iter_rows(named=True):
        broken = row.pop("_broken")
        key = json.dumps({k: row[k] for k in spec.key}, default=str, sort_keys=True)
        table_name = f"{spec.layer}.{spec.name}"
        out.append(
            {
                "rejection_id": hashlib.sha256(f"{table_name}|{key}".encode()).hexdigest()[:32],
                "tenant_id": row["tenant_id"],
                "table_name": table_name,
                "row_key": key,
                "rule": broken[0],
                "reason": "; ".join(f"{n}: {reasons.get(n, '')}".rstrip(": ") for n in broken),
                "row_json": json.dumps(row, default=str, sort_keys=True),
                "run_id": run_id,
                "rejected_at": now,
            }
        )
    return pa.Table.from_pylist(out, schema=REJECTED_ROWS.schema)


def _where(where: Mapping[str, str | Sequence[str]] | None) -> pc.Expression | None:
    """A scan filter of column = value / column in values. Columns are cast to string: files
    written from Polars may hold string_view, which pyarrow cannot compare with a string."""
    expression = None
    for column, wanted in (where or {}).items():
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        test = pc.field(column).cast(pa.string()).isin(pa.array(values, pa.string()))
        expression = test if expression is None else expression & test
    return expression


def _relative(column: pl.Expr, prefixes: Sequence[str]) -> pl.Expr:
    """``column`` with the first of ``prefixes`` it starts with removed."""
    out = column
    for prefix in reversed(prefixes):
        out = (
            pl.when(column.str.starts_with(prefix))
            .then(column.str.slice(len(prefix)))
            .otherwise(out)
        )
    return out


def _location_tables() -> tuple[TableSpec, ...]:
    return tuple(s for s in ALL_TABLES if s.locations)


def native_filesystem(table_uri: str) -> pafs.FileSystem:
    """A native Arrow filesystem rooted at a Delta table, for scans of its files.

    deltalake's default is a filesystem implemented in Python: Arrow's I/O threads calling back
    into Python abort the interpreter at exit ("terminate called without an active exception",
    exit 134) in 26 runs out of 40 on this machine; with a native one, 0 of 40. On S3 the same
    holds: pyarrow's C++ ``S3FileSystem`` with the ``CCR_S3_*`` settings.
    """
    if "://" not in table_uri:  # a plain path: no URI parsing (non-ASCII names stay as they are)
        return pafs.SubTreeFileSystem(table_uri, pafs.LocalFileSystem())
    fs, path = storage.filesystem(table_uri)
    return pafs.SubTreeFileSystem(path, fs)


@dataclass(frozen=True)
class Lakehouse:
    """The Delta tables under one root."""

    root: str
    storage_options: Mapping[str, str] | None = None
    #: Recorded on rejected rows, so a rejection can be traced to its run.
    run_id: str | None = None
    on_write: WriteObserver | None = None
    #: Where the writer lock lives when the root is an object store (no folder to hold it).
    locks_dir: str | None = None
    #: Encrypts the free-text columns on write and, on ``read(decrypt=True)``, decrypts them
    #: (``transforms.core.crypto``). A lakehouse made without one (a test's, a benchmark's)
    #: writes those columns as given; ``from_settings`` always has one, from the key store.
    cipher: TenantCipher | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        run_id: str | None = None,
        on_write: WriteObserver | None = None,
        restoring: bool = False,
    ) -> Lakehouse:
        """The lakehouse of ``settings``, its writer lock under ``CCR_HOME/locks`` on S3.

        Refused (``UnfinishedRestore``) while a restore of the home did not finish, unless
        ``restoring`` (the restore itself, run again): every process reaches the lakehouse here,
        so none reads data an erasure removed after the backup before the restore replays it.
        """
        if not restoring and (backup_id := unfinished_restore(settings)) is not None:
            raise UnfinishedRestore(
                f"the restore of backup {backup_id} did not finish: the lakehouse may hold data "
                f"erased since that backup; run `ccr backup restore {backup_id}` again before "
                "anything reads or writes it (docs/backups.md#restore)"
            )
        return cls(
            settings.lakehouse,
            run_id=run_id,
            on_write=on_write,
            locks_dir=settings.locks_dir,
            cipher=TenantCipher(FileKeyStore(settings.keys)),
        )

    def uri(self, spec: TableSpec) -> str:
        return f"{self.root}/{spec.path}"

    def _delta_uri(self, spec: TableSpec) -> str:
        """``uri`` as delta-rs parses it (names percent-encoded on an object store)."""
        return object_store.delta_uri(self.uri(spec))

    def _open(self, spec: TableSpec) -> DeltaTable | None:
        try:
            return DeltaTable(self._delta_uri(spec), storage_options=self._options)
        except TableNotFoundError:
            return None

    @property
    def _options(self) -> dict[str, str] | None:
        """delta-rs options: on S3, endpoint, credentials and conditional put from the
        ``CCR_S3_*`` settings (``transforms.core.object_store``), then ``storage_options``."""
        options = object_store.delta_options() if object_store.is_s3(self.root) else {}
        options |= dict(self.storage_options or {})
        return options or None

    def _arrow_filesystem(self, spec: TableSpec) -> pafs.FileSystem:
        return native_filesystem(self.uri(spec))

    @object_store.redacting
    def ensure(self, spec: TableSpec) -> DeltaTable:
        """Open the table, creating it with its properties the first time.

        An existing table whose schema differs from its contract (a column missing, renamed,
        retyped) is an error naming table and columns: nothing is written into a drifted table.
        """
        table = self._open(spec)
        if table is not None:
            self.verify(spec, table)
            return table
        try:
            return DeltaTable.create(
                self._delta_uri(spec),
                schema=spec.schema,
                mode="ignore",
                partition_by=list(spec.partition_by),
                name=spec.name,
                description=spec.description,
                configuration=spec.delta_configuration(),
                storage_options=self._options,
            )
        except CommitFailedError:
            # another process (another host: the writer lock is per host) created it first
            table = self._open(spec)
            if table is None:
                raise
            self.verify(spec, table)
            return table

    @object_store.redacting
    def verify(self, spec: TableSpec, table: DeltaTable | None = None) -> None:
        """Raise ContractError if the live Delta schema differs from the contract's."""
        table = table or self._open(spec)
        if table is None:
            return
        live = pa.schema(table.schema().to_arrow())
        problems = diff_schema(
            f"{spec.layer}.{spec.name}", spec.schema, live, f"the Delta table at {self.uri(spec)}"
        )
        if problems:
            raise ContractError(
                "a Delta table no longer matches its data contract:\n  " + "\n  ".join(problems)
            )

    @object_store.redacting
    def read(
        self,
        spec: TableSpec,
        tenant_id: str | None = None,
        columns: list[str] | None = None,
        where: Mapping[str, str | Sequence[str]] | None = None,
        *,
        resolve: bool = True,
        decrypt: bool = False,
    ) -> pl.DataFrame:
        """The current version of a table (empty with the right schema if it does not exist).

        ``tenant_id`` prunes to one partition folder; ``columns`` reads only those columns;
        ``where`` keeps rows whose string column equals a value or is in a list of values, in the
        scan, so one batch's rows are read without loading the tenant's whole history. Stored
        locations come back under the root in force (``resolve=False``: as stored). Free-text
        columns come back as stored (ciphertext) unless ``decrypt``: only the steps that need
        the text ask (transcription, scoring, subject export, restitution, the erasure needles).
        """
        table = self._open(spec)
        if table is None:
            empty = spec.schema.empty_table()
            return pl.from_arrow(empty.select(columns) if columns else empty)  # type: ignore[return-value]
        partitions = [("tenant_id", "=", tenant_id)] if tenant_id else None
        dataset = table.to_pyarrow_dataset(
            partitions=partitions, filesystem=self._arrow_filesystem(spec)
        )
        wanted = columns
        if decrypt and columns and any(c in ENCRYPTED_COLUMNS.get(spec.path, ()) for c in columns):
            # the associated data: a value decrypts only with its tenant and row key
            wanted = list(dict.fromkeys([*columns, "tenant_id", *spec.key]))
        data = dataset.to_table(columns=wanted, filter=_where(where))
        if decrypt:
            data = self._decrypted(spec, data)
            if wanted != columns:
                data = data.select(columns)
        frame = pl.from_arrow(data)
        assert isinstance(frame, pl.DataFrame)
        return self._resolved(spec, frame) if resolve else frame

    # ------------------------------------------------------------------ encrypted columns

    def seal(self, tenant_id: str, data: bytes) -> bytes:
        """A stored object's bytes (recording, playback copy, quarantined file) sealed with the
        tenant's data key; as given by a lakehouse without a cipher."""
        if self.cipher is None:
            return data
        return self.cipher.seal_bytes(tenant_id, object_aad(tenant_id, "object", ""), data)

    def sealing(self, tenant_id: str) -> Callable[[Iterable[bytes]], Iterable[bytes]] | None:
        """``seal`` for a stream of chunks (``storage.copy_hashed``); None without a cipher."""
        cipher = self.cipher
        if cipher is None:
            return None
        aad = object_aad(tenant_id, "object", "")
        return lambda chunks: cipher.seal(tenant_id, aad, chunks)

    def unseal(self, tenant_id: str, data: bytes) -> bytes:
        """The clear bytes of a stored object (one stored before encryption comes as it is)."""
        if not is_sealed(data):
            return data
        return _needed(self.cipher).open_bytes(tenant_id, object_aad(tenant_id, "object", ""), data)

    def _decrypted(self, spec: TableSpec, data: pa.Table) -> pa.Table:
        present = [c for c in ENCRYPTED_COLUMNS.get(spec.path, ()) if c in data.column_names]
        if not present or data.num_rows == 0:
            return data
        return _apply(spec, data, present, self.cipher, encrypt=False)

    def _encrypted(self, spec: TableSpec, data: pa.Table) -> pa.Table:
        """The free-text columns as ciphertext (values already encrypted for their place are
        kept: a step may write back rows it read without decrypting)."""
        present = [c for c in ENCRYPTED_COLUMNS.get(spec.path, ()) if c in data.column_names]
        if not present or data.num_rows == 0 or self.cipher is None:
            return data
        return _apply(spec, data, present, self.cipher, encrypt=True)

    # ------------------------------------------------------------------ stored locations

    @property
    def roots(self) -> storage.Roots:
        """The one root stored locations may point into."""
        return storage.Roots.of(self.root)

    def _prefixes(self) -> list[str]:
        """How an absolute location under the root starts (as written, and as a ``file://``
        URI of a local root)."""
        root = self.root.rstrip("/")
        found = [f"{root}/"]
        if "://" not in root:
            found += [f"file://{root}/", f"{storage.canonical(root)}/"]
        return list(dict.fromkeys(found))

    def _resolved(self, spec: TableSpec, frame: pl.DataFrame) -> pl.DataFrame:
        """Relative locations joined to the root; absolute ones as they are (``locate`` refuses
        those outside the root when they would be followed)."""
        present = [c for c in spec.locations if c in frame.columns]
        if not present or frame.is_empty():
            return frame
        base = f"{self.root.rstrip('/')}/"
        return frame.with_columns(
            pl.when(pl.col(c).str.contains(_ABSOLUTE))
            .then(pl.col(c))
            .otherwise(pl.lit(base) + pl.col(c))
            .alias(c)
            for c in present
        )

    def as_stored(self, spec: TableSpec, data: pa.Table) -> pa.Table:
        """Locations as they are stored: relative to the root. One under another root is kept
        as given (it is refused wherever it would be followed); one climbing out (``..``) is
        an error."""
        present = [c for c in spec.locations if c in data.column_names]
        if not present or data.num_rows == 0:
            return data
        frame = pl.from_arrow(data)
        assert isinstance(frame, pl.DataFrame)
        for c in present:
            frame = frame.with_columns(_relative(pl.col(c), self._prefixes()).alias(c))
            climbing = frame.filter(
                ~pl.col(c).str.contains(_ABSOLUTE) & pl.col(c).str.contains(_CLIMBS)
            )
            if climbing.height:
                raise LocationError(
                    f"{spec.layer}.{spec.name}.{c}: {climbing.height} locations climb out of the "
                    f"lakehouse root {self.root} ('..'): never stored"
                )
        return frame.to_arrow().cast(data.schema)

    def locate(self, stored: str) -> str:
        """Where a stored location points now: a relative one under the root; an absolute one
        only if it lies under the root. ``OutsideRoots`` (naming the root) for one outside it,
        ``LocationError`` for one climbing out: such a location is never read, copied or
        deleted."""
        if re.match(_ABSOLUTE, stored):
            return self.roots.check(stored, "follow")
        if re.search(_CLIMBS, stored) or not stored:
            raise LocationError(f"a stored location climbs out of the lakehouse root {self.root}")
        return f"{self.root.rstrip('/')}/{stored}"

    def locate_all(self, stored: Iterable[str | None]) -> list[str]:
        """``locate`` for each non-null value; refuses the whole list if one is outside the
        root, saying how many are (nothing is followed half-way)."""
        base = f"{self.root.rstrip('/')}/"
        found, outside = [], 0
        for value in stored:
            if not value:
                continue
            if not re.match(_ABSOLUTE, value):
                found.append(self.locate(value))
            elif value.startswith(base) and not re.search(_CLIMBS, value):
                found.append(value)  # written under this root, before paths were relative
            elif self.roots.holding(value):
                found.append(value)
            else:
                outside += 1
        if outside:
            raise storage.OutsideRoots(
                f"{outside} stored locations lie outside the lakehouse root {self.root} (rows "
                "written by a home this one was copied, restored or moved from): nothing was "
                "followed or deleted; run `ccr lakehouse migrate-paths --from <that home's "
                "lakehouse>` first"
            )
        return found

    @object_store.redacting
    def migrate_locations(self, old_roots: Sequence[str] = ()) -> dict[str, dict[str, int]]:
        """Rewrite absolute stored locations as relative ones: those under the root in force,
        and those under ``old_roots`` (the lakehouse of the home this one was copied, restored
        or moved from). Per table: rows rewritten, and locations still outside every root.

        One UPDATE commit per (table, column, prefix), under the writer lock: a crash leaves each
        commit whole, and a rerun rewrites only what is left (idempotent). The predicate holds
        the old root's path only, never a row's value.
        """
        prefixes = list(self._prefixes())
        for old in old_roots:
            old = old.rstrip("/")
            prefixes += [f"{old}/"] + ([f"file://{old}/"] if "://" not in old else [])
        prefixes = list(dict.fromkeys(prefixes))
        out: dict[str, dict[str, int]] = {}
        with self.writing():
            for spec in _location_tables():
                table = self._open(spec)
                if table is None:
                    continue
                counts = {"rewritten": 0, "outside": 0}
                for column in spec.locations:
                    for prefix in prefixes:
                        quoted = prefix.replace("'", "''")
                        metrics = table.update(
                            updates={column: f"substr({column}, {len(prefix) + 1})"},
                            predicate=f"starts_with({column}, '{quoted}')",
                        )
                        counts["rewritten"] += int(metrics["num_updated_rows"])
                    left = self.read(spec, columns=[column], resolve=False)[column]
                    counts["outside"] += int(left.drop_nulls().str.contains(_ABSOLUTE).sum())
                out[f"{spec.layer}.{spec.name}"] = counts
        return out

    @object_store.redacting
    def merge(self, spec: TableSpec, data: pa.Table, *, update: bool = False) -> dict[str, int]:
        """MERGE rows on the table key: insert new keys; with ``update``, also replace matched rows.

        Rows breaking a row-level rule of the contract go to bronze.rejected_rows with the rule's
        name instead. Returns the counts delta-rs reports (``num_target_rows_inserted`` …) and
        ``num_rows_rejected``, for run metadata and the processing log.
        """
        data = self.as_stored(spec, data)
        with self.writing():
            table = self.ensure(spec)
            rows_in = data.num_rows
            if spec.path != REJECTED_ROWS.path:
                data, bad = split_by_rules(spec, data)
                if bad.height:
                    self.merge(REJECTED_ROWS, rejected_rows(spec, bad, self.run_id), update=True)
            counts = self._merge(table, spec, self._encrypted(spec, data), update=update)
        counts |= {"num_source_rows": rows_in, "num_rows_rejected": rows_in - data.num_rows}
        if self.on_write is not None and spec.path != REJECTED_ROWS.path:
            # rejected rows are already counted, as num_rows_rejected of the table they left
            self.on_write(spec, counts)
        return counts

    def writing(self) -> AbstractContextManager[None]:
        """Hold the lakehouse's writer lock (``transforms.core.locks``): every MERGE does; so
        must anything that rewrites or vacuums tables."""
        return exclusive(writer_lock_path(self.root, self.locks_dir))

    # ------------------------------------------------------------------ erasure

    @object_store.redacting
    def delete_rows(
        self, spec: TableSpec, column: str, values: Iterable[str], tenant_id: str | None = None
    ) -> int:
        """Delete the rows whose ``column`` is one of ``values`` (within ``tenant_id``'s
        partition, if given); the number deleted.

        ``column`` is a surrogate key or ``tenant_id`` (a whole partition goes without rewriting
        a file). The rows stay in older files and log entries until ``forget_history``.
        """
        return self._rewrite(spec, column, values, None, tenant_id)

    @object_store.redacting
    def null_columns(
        self,
        spec: TableSpec,
        columns: Sequence[str],
        column: str,
        values: Iterable[str],
        tenant_id: str | None = None,
    ) -> int:
        """Set ``columns`` to null in the rows whose ``column`` is one of ``values``; the number
        of rows changed (rows already null are not rewritten, so a second run changes none)."""
        return self._rewrite(spec, column, values, columns, tenant_id)

    def _rewrite(
        self,
        spec: TableSpec,
        column: str,
        values: Iterable[str],
        nulls: Sequence[str] | None,
        tenant_id: str | None,
    ) -> int:
        keys = sorted(set(values))
        if not all(_KEY_VALUE.match(v) for v in [*keys, tenant_id or "x"]):
            raise ValueError(
                f"{spec.layer}.{spec.name}: erasure predicates hold surrogate keys only "
                "(lower-case hex, tenant ids): a personal value would be written into _delta_log"
            )
        partition = f"tenant_id = '{tenant_id}' AND " if tenant_id else ""
        changed = 0
        with self.writing():
            table = self._open(spec)
            if table is None or not keys:
                return 0
            for start in range(0, len(keys), _KEYS_PER_STATEMENT):
                chunk = ", ".join(f"'{v}'" for v in keys[start : start + _KEYS_PER_STATEMENT])
                where = f"{partition}{column} IN ({chunk})"
                if nulls is None:
                    changed += int(table.delete(where)["num_deleted_rows"])
                    continue
                not_null = " OR ".join(f"{c} IS NOT NULL" for c in nulls)
                metrics = table.update(
                    updates={c: "NULL" for c in nulls}, predicate=f"({where}) AND ({not_null})"
                )
                changed += int(metrics["num_updated_rows"])
        return changed

    @object_store.redacting
    def forget_history(self, spec: TableSpec) -> int:
        """Make deleted rows unrecoverable: the files and log entries that still hold them go.

        Vacuum with zero retention (every file the current version does not use, time travel
        included), then a checkpoint and log clean-up with the log retention set to zero for the
        moment, so the commits that held the old files' statistics and the DELETE predicates are
        removed too; the table's own log retention is set back after. Holds the writer lock, so
        no MERGE commits in the middle. Returns the number of data files removed.
        """
        with self.writing():
            table = self._open(spec)
            if table is None:
                return 0
            keep = spec.delta_configuration()["delta.logRetentionDuration"] or ""
            table.alter.set_table_properties({"delta.logRetentionDuration": "interval 0 seconds"})
            removed = table.vacuum(
                retention_hours=0, enforce_retention_duration=False, dry_run=False, full=True
            )
            table.create_checkpoint()
            table.cleanup_metadata()
            table.alter.set_table_properties({"delta.logRetentionDuration": keep})
            self._drop_empty_partitions(spec)
        return len(removed)

    def _drop_empty_partitions(self, spec: TableSpec) -> None:
        """Partition folders vacuum emptied (a purged tenant's) go too: a listing shows nothing."""
        fs, root = storage.filesystem(self.uri(spec))
        for info in fs.get_file_info(pafs.FileSelector(root)):
            if info.type != pafs.FileType.Directory or info.base_name == "_delta_log":
                continue
            inside = fs.get_file_info(pafs.FileSelector(info.path, recursive=True))
            if not any(i.type == pafs.FileType.File for i in inside):
                fs.delete_dir(info.path)

    def _merge(self, table: DeltaTable, spec: TableSpec, data: pa.Table, *, update: bool):
        if data.num_rows == 0:
            return {"num_target_rows_inserted": 0, "num_target_rows_updated": 0}
        on = list(spec.partition_by) + [k for k in spec.key if k not in spec.partition_by]
        predicate = " AND ".join(f"t.{k} = s.{k}" for k in on)
        merger = table.merge(data, predicate=predicate, source_alias="s", target_alias="t")
        if update:
            merger = merger.when_matched_update_all()
        metrics = merger.when_not_matched_insert_all().execute()
        return {k: int(v) for k, v in metrics.items() if k.startswith("num_")}


def _needed(cipher: TenantCipher | None) -> TenantCipher:
    if cipher is None:
        raise KeyStoreError(
            "encrypted data met by a lakehouse without a key store to decrypt with (build it with "
            "Lakehouse.from_settings)"
        )
    return cipher


def _apply(
    spec: TableSpec,
    data: pa.Table,
    columns: list[str],
    cipher: TenantCipher | None,
    *,
    encrypt: bool,
) -> pa.Table:
    """``columns`` of ``data`` encrypted (or decrypted) value by value, each bound to its tenant,
    table, column and row key. A list-of-structs column (``words``) has each struct's ``word``
    done, bound to its position in the list as well."""
    if "tenant_id" not in data.column_names or not all(k in data.column_names for k in spec.key):
        raise ValueError(
            f"{spec.layer}.{spec.name}: encrypted columns are read or written with tenant_id and "
            f"the key {spec.key}"
        )
    tenants = data.column("tenant_id").to_pylist()
    keys = list(zip(*(data.column(k).to_pylist() for k in spec.key), strict=True))

    def one(tenant: str, column: str, key: tuple, value: str | None) -> str | None:
        if value is None:
            return None
        aad = value_aad(tenant, spec.path, column, key)
        if encrypt:
            assert cipher is not None
            if is_ciphertext(value):
                try:
                    cipher.decrypt_value(tenant, aad, value)
                    return value  # already encrypted for this place
                except DecryptionError:
                    pass
            return cipher.encrypt_value(tenant, aad, value)
        if not is_ciphertext(value):
            return value  # stored before encryption, until `ccr keys encrypt-existing`
        return _needed(cipher).decrypt_value(tenant, aad, value)

    for column in columns:
        i = data.column_names.index(column)
        field = data.schema.field(column)
        values = data.column(column).to_pylist()
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            done = [one(t, column, k, v) for t, k, v in zip(tenants, keys, values, strict=True)]
        else:  # list<struct<word, ...>>
            done = []
            for t, k, items in zip(tenants, keys, values, strict=True):
                if items is None:
                    done.append(None)
                    continue
                done.append(
                    [
                        item | {"word": one(t, f"{column}.{n}", k, item.get("word"))}
                        for n, item in enumerate(items)
                    ]
                )
        data = data.set_column(i, field, pa.array(done, type=field.type))
    return data
