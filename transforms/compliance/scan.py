"""The residual scan: proof that erased identifiers and text are nowhere in the files any more.

Every file under the given folders is read once: its path, its raw bytes (``_delta_log`` JSON,
SQLite pages of the Dagster instance, logs, audio tags) and, where compression hides the bytes,
its decoded values (the compressed string columns of Parquet files, including Delta checkpoints;
every text column of DuckDB files). All needles are searched at once with Aho–Corasick (Polars'
``str.extract_many``, in Rust), ASCII case-insensitive, so the cost grows with the bytes, not
with the number of needles.

A root may be an ``s3://`` prefix: every version of every object under it is downloaded and read
the same way (a versioned bucket keeps deleted and overwritten objects as old versions), and the
names of delete markers are searched.

Bytes are searched for too: given the digests (SHA-256 → kind) and sizes of erased objects,
every file whose size is one of those sizes is hashed and compared (a recording copied under
any name, in any folder or object version, is found); a match is a hit ``seen_in`` "content".

A ``Scope`` narrows what is read, never what is listed: a file in another tenant's own folder
(its partition folders of the Delta tables, its folders of the audio, quarantine and landing
stores, its published files) that has not changed since the erasure began is not read, since the
erased rows were never its; its name is still searched, and its content still hashed when its size
is an erased object's. Everything else is read: the erased tenants' folders whole, every shared
file (Delta logs, the dbt build file, the Dagster instance, logs, the ledger), any folder that is
not a known tenant's, and any file of any tenant changed since the erasure began (its inode change
time, which no process can set back: a back-dated copy or a new hard link is read).

A planted canary is the positive control: one marker in a plain file and one inside a
gzip-compressed Parquet file without statistics (invisible to a raw search) must both be found,
or the scan counts as failed; with a scope, a marker is also planted in another tenant's folders
(a new file there must be read). Hits are reported by kind and by path with the needle masked: the
report is written into a certificate and must not carry what it looks for.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from transforms.core import object_store, storage
from transforms.core.crypto import SEAL_MAGIC

#: Needles shorter than this are not searched: a 3-character id ("a01") matches bytes by
#: chance; the certificate counts them as skipped.
MIN_NEEDLE = 6
#: Raw bytes are searched in blocks of this size (with an overlap of the longest needle).
BLOCK = 64 * 1024 * 1024
#: Small files are searched together, in batches of about this many bytes.
BATCH = 32 * 1024 * 1024
CANARY = "canary"
#: The kind of the canaries planted where a scope narrows the scan.
NARROWED = "canary-narrowed"
#: Joins decoded values into one text; no needle holds it (ASCII unit separator).
_SEPARATOR = "\x1f"
_PARQUET = b"PAR1"
_DUCKDB = b"DUCK"


@dataclass(frozen=True)
class Hit:
    """Where a needle was found: the path relative to its root with needles masked, the kind of
    needle (call_id, phrase …) and how it was seen (name, raw, parquet, duckdb)."""

    path: str
    kind: str
    seen_in: str


@dataclass(frozen=True)
class Scope:
    """Which files the scan may leave unread: the old files of other tenants' own folders.

    ``tenants`` are the erased ones (their folders are read whole); ``others`` the tenants known
    to the lakehouse (a folder named otherwise, ``audio/backup``, is read); ``stores`` the
    folders whose entries are tenant folders (audio, quarantine, landing, review landing);
    ``lakehouse`` the root under which a ``tenant_id=<t>`` folder is a Delta partition;
    ``published`` the folder of the tenants' published files (``<tenant>.duckdb``, ``.html``,
    and the publish's own files of the tenant, ``published_names``);
    ``since`` (seconds since the epoch) the start of the erasure: a file whose inode changed
    since is read wherever it is.
    """

    tenants: frozenset[str]
    others: frozenset[str]
    stores: tuple[str, ...] = ()
    lakehouse: str | None = None
    published: str | None = None
    #: the names of a tenant's published files, by subfolder of ``published``: suffixes after
    #: its id (``""``: ``.duckdb``, ``.html``; the publish's private folder: its two files)
    published_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    since: float = 0.0
    #: owners of folders already seen (folder -> tenant or None): a listing asks for ~100,000
    #: files in a few hundred folders
    _owners: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def tenant_of(self, path: str) -> str | None:
        """The tenant whose own folder ``path`` lies in, or None (a shared file)."""
        folder = path.rpartition("/")[0]
        if folder in self._owners:
            return self._owners[folder]
        owner = self._tenant_of(path)
        if not self._named(path):
            self._owners[folder] = owner  # decided by the folder alone
        return owner

    def _named(self, path: str) -> bool:
        """Whether the owner of ``path`` depends on its name (a published file), not only on
        its folder."""
        return bool(self.published) and path.startswith(self.published.rstrip("/") + "/")

    def _tenant_of(self, path: str) -> str | None:
        for store in sorted(self.stores, key=len, reverse=True):
            prefix = store.rstrip("/") + "/"
            if path.startswith(prefix):
                head, _, rest = path[len(prefix) :].partition("/")
                return head if rest else None
        if self.published and path.startswith(self.published.rstrip("/") + "/"):
            folder, _, name = path[len(self.published.rstrip("/")) + 1 :].rpartition("/")
            suffixes = self.published_names.get(folder, ())
            for tenant in sorted(self.others | self.tenants, key=len, reverse=True):
                if name.startswith(f"{tenant}.") and name[len(tenant) :] in suffixes:
                    return tenant
            return None
        if self.lakehouse and path.startswith(self.lakehouse.rstrip("/") + "/"):
            for part in path[len(self.lakehouse.rstrip("/")) + 1 :].split("/")[:-1]:
                if part.startswith("tenant_id="):
                    return part.removeprefix("tenant_id=")
        return None

    def skips(self, path: str, changed: float) -> bool:
        """Whether ``path`` (inode changed at ``changed``) may be left unread."""
        if changed >= self.since:
            return False
        tenant = self.tenant_of(path)
        return tenant is not None and tenant in self.others and tenant not in self.tenants

    def canary_folders(self) -> list[Path]:
        """Where a narrowed scan must still read a new file: another tenant's folder of the
        first store (the audio store; never landing, which a sensor watches) and one of its
        Delta partitions."""
        others = sorted(self.others - self.tenants)
        if not others:
            return []
        folders = [Path(s) / others[0] for s in self.stores[:1] if Path(s, others[0]).is_dir()]
        if self.lakehouse:
            found = sorted(Path(self.lakehouse).glob(f"*/*/tenant_id={others[0]}"))
            folders += found[:1]
        return folders


@dataclass
class ScanReport:
    roots: list[str]
    needles: dict[str, int]
    skipped_short: int
    files: int = 0
    bytes: int = 0
    #: files of other tenants' own folders left unread (``Scope``): names searched, not bytes
    files_not_read: int = 0
    bytes_not_read: int = 0
    #: files read as another path to bytes already read (a hard link, an identical copy)
    files_same_as_read: int = 0
    parquet_files: int = 0
    duckdb_files: int = 0
    unreadable: list[str] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    canary_found: bool = False
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """Zero hits, every file read, and the canary found (else the scan proves nothing)."""
        return self.canary_found and not self.hits and not self.unreadable

    def as_dict(self) -> dict:
        return {
            "passed": self.passed,
            "roots": self.roots,
            "needles_by_kind": self.needles,
            "needles_too_short_to_search": self.skipped_short,
            "files_scanned": self.files,
            "bytes_scanned": self.bytes,
            "files_not_read": self.files_not_read,
            "bytes_not_read": self.bytes_not_read,
            "files_same_as_read": self.files_same_as_read,
            "parquet_files_decoded": self.parquet_files,
            "duckdb_files_decoded": self.duckdb_files,
            "unreadable_files": self.unreadable,
            "canary_found": self.canary_found,
            "hits": len(self.hits),
            "hits_by_kind": _count(h.kind for h in self.hits),
            "hit_paths": sorted({f"{h.path} ({h.kind}, {h.seen_in})" for h in self.hits}),
            "seconds": round(self.seconds, 2),
        }


def _count(items: Iterator[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return dict(sorted(out.items()))


class _Matcher:
    """All needles at once; text and bytes (bytes as latin-1, so one char is one byte)."""

    def __init__(self, needles: Mapping[str, str], masked: Collection[str] | None = None) -> None:
        self.kind_of = {n.lower(): k for n, k in needles.items()}
        #: also masked in reported paths (the digests of erased objects)
        self.masked = [m.lower() for m in masked or ()]
        self.text = list(needles)
        self.raw = [n.encode().decode("latin-1") for n in needles]
        self.raw_kind = {r.lower(): needles[n] for r, n in zip(self.raw, needles, strict=True)}
        self.longest = max((len(n.encode()) for n in needles), default=1)

    def find(self, values: pl.Series, raw: bool) -> list[tuple[int, str]]:
        """(index of the value, kind) for each value holding a needle."""
        if values.is_empty() or not self.text:
            return []
        patterns, kinds = (self.raw, self.raw_kind) if raw else (self.text, self.kind_of)
        found = values.str.extract_many(patterns, ascii_case_insensitive=True)
        # only the values that hold something leave Rust (almost none, or the scan failed)
        where = (found.list.len() > 0).fill_null(False).arg_true().to_list()
        return [(i, kinds.get(m.lower(), "?")) for i in where for m in found[i].to_list()]


def scan(
    roots: Sequence[Path | str],
    needles: Mapping[str, str],
    plant_canary: bool = True,
    digests: Mapping[str, str] | None = None,
    sizes: Collection[int] = (),
    scope: Scope | None = None,
    opener: Callable[[bytes], bytes | None] | None = None,
) -> ScanReport:
    """Search every file under ``roots`` for ``needles`` (needle → kind), and for content
    whose SHA-256 is one of ``digests`` (digest → kind) among files of one of ``sizes``.

    A root is a local folder or an ``s3://bucket/prefix``: there every version of every object
    is read (old versions of a versioned bucket too) and every delete marker's name.
    With ``plant_canary`` the first local root, and every object-store root, get the canary
    files for the time of the scan: each must be found. With a ``scope`` (local roots only),
    the old files of other tenants' own folders are listed, not read (``Scope``), and a canary
    is planted in those folders too. A file sealed with a tenant's data key
    (``transforms.core.crypto``) is also searched, and hashed, as ``opener`` opens it (a copy
    of an erased recording, sealed, is still found); one no key opens is noise.
    """
    started = time.perf_counter()
    local = [Path(r) for r in roots if "://" not in str(r)]
    remote = [str(r).rstrip("/") for r in roots if "://" in str(r)]
    searched = {n: k for n, k in needles.items() if len(n) >= MIN_NEEDLE}
    report = ScanReport(
        roots=[str(r) for r in roots],
        needles=dict(_count(iter(searched.values()))),
        skipped_short=len(needles) - len(searched),
    )
    canaries: list[Path] = []
    planted: list[str] = []
    if plant_canary:
        for i, root in enumerate(remote):
            marker = f"ccr-canary-{secrets.token_hex(12)}"
            searched[marker] = f"{CANARY}:{i}"
            planted.append(_plant_objects(root, marker))
        marker = f"ccr-canary-{secrets.token_hex(12)}"
        searched[marker] = CANARY
        canaries = _plant(local[0], marker) if local else []
        for i, folder in enumerate(scope.canary_folders() if scope else []):
            marker = f"ccr-canary-{secrets.token_hex(12)}"
            searched[marker] = f"{NARROWED}:{i}"
            canaries.append(folder / f".scan-canary-{secrets.token_hex(4)}.txt")
            canaries[-1].write_text(f"positive control {marker}\n")
    try:
        scanner = _Scanner(
            _Matcher(searched, digests), report, dict(digests or {}), set(sizes), scope
        )
        scanner.opener = opener
        scanner.run([r for r in local if r.exists()])
        for root in remote:
            scanner.run_objects(root)
        scanner.flush()
        scanner.copy_hits()
    finally:
        for path in canaries:
            path.unlink(missing_ok=True)
        for folder in planted:
            _remove_objects(folder)
    # each canary seen by the raw search (the plain file) and by decoding (the compressed
    # Parquet file)
    kinds = [f"{CANARY}:{i}" for i in range(len(remote))] + ([CANARY] if local else [])
    seen = {k: {h.seen_in for h in report.hits if h.kind == k} for k in kinds}
    found = all({"raw", "parquet"} <= s for s in seen.values())
    # the narrowed folders' canaries: new files there, read (a raw hit, not only the name)
    narrowed = {v for v in searched.values() if v.startswith(NARROWED)}
    found = found and all(_seen(report, k, "raw") for k in narrowed)
    report.canary_found = found if plant_canary else True
    report.hits = [h for h in report.hits if not h.kind.startswith((CANARY, NARROWED))]
    report.seconds = time.perf_counter() - started
    return report


def _seen(report: ScanReport, kind: str, seen_in: str) -> bool:
    """Whether a needle of ``kind`` was seen in ``seen_in`` (a canary's positive control)."""
    return any(h.kind == kind and h.seen_in == seen_in for h in report.hits)


def _canary_table(marker: str) -> pa.Table:
    return pa.table({"value": [f"positive control {marker} " * 4] * 3})


def _plant(root: Path, marker: str) -> list[Path]:
    """The marker in a plain file and, hidden by compression, in a Parquet file."""
    folder = root / "compliance" / ".scan-canary"
    folder.mkdir(parents=True, exist_ok=True)
    plain = folder / f"{secrets.token_hex(4)}.txt"
    plain.write_text(f"positive control {marker}\n")
    packed = folder / f"{secrets.token_hex(4)}.parquet"
    # gzip Huffman-codes every literal and no statistics are written: the marker's bytes
    # appear nowhere in the file, so only decoding can find it
    pq.write_table(_canary_table(marker), packed, compression="gzip", write_statistics=False)
    return [plain, packed]


def _plant_objects(root: str, marker: str) -> str:
    """The same two canaries as objects under ``root``; the folder they are in."""
    folder = f"{root}/compliance/.scan-canary-{secrets.token_hex(4)}"
    storage.write_bytes(f"{folder}/plain.txt", f"positive control {marker}\n".encode())
    fs, path = storage.filesystem(f"{folder}/packed.parquet")
    with fs.open_output_stream(path) as out:
        pq.write_table(_canary_table(marker), out, compression="gzip", write_statistics=False)
    return folder


def _remove_objects(folder: str) -> None:
    """The canary objects, every version of them (a versioned bucket keeps deleted ones)."""
    storage.delete_tree(folder)
    bucket, _ = object_store.split(folder)
    object_store.delete_versions(bucket, list(object_store.versions(folder)))


class _Scanner:
    def __init__(
        self,
        matcher: _Matcher,
        report: ScanReport,
        digests: dict[str, str] | None = None,
        sizes: set[int] | None = None,
        scope: Scope | None = None,
    ) -> None:
        self.matcher = matcher
        self.report = report
        self.digests = digests or {}
        self.sizes = sizes or set()
        self.scope = scope
        #: texts waiting to be searched together, by how they were seen: raw bytes of small
        #: files (as latin-1), decoded Parquet and DuckDB values (joined per column). Polars
        #: builds the automaton of all needles on every call: few calls on big texts, not many
        #: on small ones.
        self.pending: dict[str, list[tuple[str, str]]] = {"raw": [], "parquet": [], "duckdb": []}
        self.pending_bytes = 0
        self.names: list[str] = []
        self.opener: Callable[[bytes], bytes | None] | None = None
        #: the first path read of each local file (device, inode), and of each content decoded
        #: (Parquet or DuckDB bytes, by digest): another path to the same bytes is not read
        #: again (a published database is a hard link to one of its slots, the other slot a
        #: copy of it), it gets the hits of the one read (``copy_hits``)
        self.inodes: dict[tuple[int, int], str] = {}
        self.decoded: dict[str, str] = {}
        self.same: dict[str, list[str]] = {}

    def run(self, roots: list[Path]) -> None:
        for root in roots:
            base = str(root.parent) + os.sep
            for path, size, changed, identity in _files(str(root)):
                label = path.removeprefix(base)
                if self.scope is not None and self.scope.skips(path, changed):
                    self._listed(path, label, size)
                elif identity in self.inodes:
                    self._same(self.inodes[identity], label, size)
                else:
                    self.inodes[identity] = label
                    self._file(path, label, size)

    def run_objects(self, root: str) -> None:
        """Every version of every object under ``root``, each downloaded once into a private
        temporary folder and read like a local file; delete markers by name."""
        bucket, _ = object_store.split(root)
        with tempfile.TemporaryDirectory(prefix="ccr-scan-") as folder:
            copy = Path(folder) / "object"
            for version in object_store.versions(root):
                label = f"s3://{bucket}/{version.key}"
                if not version.is_latest:
                    label += f" (old version {version.version_id[:12]})"
                if version.delete_marker:
                    self.report.files += 1
                    self.names.append(label + " (delete marker)")
                    continue
                try:
                    with copy.open("wb") as f:
                        object_store.download(version, bucket, f)
                except Exception as exc:  # an SDK error: its type only, never its text
                    self.report.unreadable.append(f"{label}: {type(exc).__name__}")
                    continue
                self._file(str(copy), label, version.size)
                copy.unlink()

    def flush(self) -> None:
        self._flush()

    def copy_hits(self) -> None:
        """Every hit in the bytes of a file read, also for each other path to the same bytes
        (after the last ``flush``)."""
        for first, others in self.same.items():
            masked = _mask(first, self.matcher)
            for hit in [h for h in self.report.hits if h.path == masked and h.seen_in != "name"]:
                for label in others:
                    copied = Hit(_mask(label, self.matcher), hit.kind, hit.seen_in)
                    if copied not in self.report.hits:
                        self.report.hits.append(copied)

    def _same(self, first: str, label: str, size: int) -> None:
        """``label`` holds the same bytes as ``first``, read already: its name is searched, its
        content's hits are those of ``first``."""
        self.report.files += 1
        self.report.bytes += size
        self.report.files_same_as_read += 1
        self.names.append(label)
        self.same.setdefault(first, []).append(label)

    def _file(self, path: str, label: str, size: int) -> None:
        report = self.report
        report.files += 1
        report.bytes += size
        self.names.append(label)
        try:
            if size > BATCH:
                with open(path, "rb") as f:
                    head = f.read(16)
                if size in self.sizes:
                    self._content(label, storage.file_sha256(path))
            else:
                data = Path(path).read_bytes()
                head = data[:16]
                decoded = head[:4] == _PARQUET or head[8:12] == _DUCKDB
                digest = hashlib.sha256(data).hexdigest() if decoded or size in self.sizes else ""
                if decoded:
                    if digest in self.decoded:  # counted as the same bytes, not as a file read
                        report.files -= 1
                        report.bytes -= size
                        self.names.pop()
                        self._same(self.decoded[digest], label, size)
                        return
                    self.decoded[digest] = label
                if size in self.sizes:
                    self._content(label, digest)
                clear = self.opener(data) if self.opener and data[:8] == SEAL_MAGIC else None
                if clear is not None:
                    # authenticated ciphertext of ``clear``: only the clear bytes can hold a
                    # needle (in the ciphertext one would be chance)
                    if len(clear) in self.sizes:
                        self._content(label, hashlib.sha256(clear).hexdigest())
                    self._enqueue("raw", label, clear.decode("latin-1"))
                else:
                    self._enqueue("raw", label, data.decode("latin-1"))
            if head[:4] == _PARQUET:
                report.parquet_files += 1
                self._parquet(path, label)
            elif head[8:12] == _DUCKDB:
                report.duckdb_files += 1
                self._duckdb(path, label)
            if size > BATCH:
                self._large(path, label)
        except (OSError, pa.ArrowException, duckdb.Error) as exc:
            report.unreadable.append(f"{label}: {type(exc).__name__}")

    def _listed(self, path: str, label: str, size: int) -> None:
        """A file left unread: its name searched, its content hashed if an erased object's
        size (a copy of a recording is found wherever it is)."""
        self.report.files_not_read += 1
        self.report.bytes_not_read += size
        self.names.append(label)
        if size in self.sizes:
            try:
                self._content(label, storage.file_sha256(path))
            except OSError as exc:
                self.report.unreadable.append(f"{label}: {type(exc).__name__}")

    def _content(self, label: str, digest: str) -> None:
        kind = self.digests.get(digest)
        if kind is not None:
            hit = Hit(_mask(label, self.matcher), kind, "content")
            if hit not in self.report.hits:
                self.report.hits.append(hit)

    def _enqueue(self, seen_in: str, label: str, text: str) -> None:
        self.pending[seen_in].append((label, text))
        self.pending_bytes += len(text)
        if self.pending_bytes >= BATCH:
            self._flush()

    def _flush(self) -> None:
        self._search(self.names, self.names, raw=False, seen_in="name")
        self.names = []
        for seen_in, queue in self.pending.items():
            if queue:
                labels, texts = [q[0] for q in queue], [q[1] for q in queue]
                self._search(labels, texts, raw=seen_in == "raw", seen_in=seen_in)
            queue.clear()
        self.pending_bytes = 0

    def _large(self, path: str, label: str) -> None:
        """Big files (recordings, the build DuckDB) block by block, blocks overlapping."""
        overlap = self.matcher.longest
        with open(path, "rb") as f:
            tail = b""
            while block := f.read(BLOCK):
                text = (tail + block).decode("latin-1")
                self._search([label], [text], raw=True, seen_in="raw")
                tail = block[-overlap:]

    def _parquet(self, path: str, label: str) -> None:
        """The string columns whose pages are compressed (uncompressed ones the raw search
        sees), decoded row group by row group."""
        parquet = pq.ParquetFile(path)
        meta = parquet.metadata
        schema = parquet.schema_arrow
        for group in range(meta.num_row_groups):
            hidden = {
                meta.row_group(group).column(i).path_in_schema.split(".")[0]
                for i in range(meta.num_columns)
                if meta.row_group(group).column(i).compression != "UNCOMPRESSED"
            }
            names = [f.name for f in schema if f.name in hidden and _has_text(f.type)]
            if names:
                table = parquet.read_row_group(group, columns=names)
                for values in _text_values(table):
                    self._search_values(label, values, "parquet")

    def _duckdb(self, path: str, label: str) -> None:
        """Every text column of every table (DuckDB compresses strings: FSST, dictionaries)."""
        with duckdb.connect(path, read_only=True) as con:
            columns = con.execute(
                "select c.table_catalog, c.table_schema, c.table_name, c.column_name "
                "from information_schema.columns c join information_schema.tables t using "
                "(table_catalog, table_schema, table_name) "
                "where c.data_type = 'VARCHAR' and t.table_type = 'BASE TABLE' "
                "and c.table_catalog not in ('system', 'temp')"
            ).fetchall()
            if not columns:
                return
            # each column's values joined inside DuckDB (a separator no needle holds), all the
            # columns in one query: one text per column comes back, not every value
            joined = " union all ".join(
                f"select string_agg({_quote(column)}, chr({ord(_SEPARATOR)})) "
                f"from {'.'.join(_quote(p) for p in (catalog, schema, table))}"
                for catalog, schema, table, column in columns
            )
            for (text,) in con.execute(joined).fetchall():
                if text:
                    self._enqueue("duckdb", label, text)

    def _search_values(self, label: str, values: pl.Series, seen_in: str) -> None:
        """A column's decoded values, joined into one text (a separator no needle holds):
        one search per column, not one per value (millions of segment words)."""
        joined = values.drop_nulls().str.join(_SEPARATOR).item()
        if joined:
            self._enqueue(seen_in, label, joined)

    def _search(self, labels: list[str], values, raw: bool, seen_in: str) -> None:
        series = values if isinstance(values, pl.Series) else pl.Series(values, dtype=pl.String)
        for index, kind in self.matcher.find(series, raw):
            hit = Hit(_mask(labels[index], self.matcher), kind, seen_in)
            if hit not in self.report.hits:
                self.report.hits.append(hit)


def file_system_now(folder: str | os.PathLike[str]) -> float:
    """The file system's own clock: the change time of a file made now in ``folder``. A
    ``Scope``'s ``since`` is taken from it, never from this process's clock, which may differ
    from a file server's or be shifted (faketime): change times are the file system's."""
    handle, path = tempfile.mkstemp(prefix=".ccr-now-", dir=folder)
    try:
        return os.fstat(handle).st_ctime
    finally:
        os.close(handle)
        os.unlink(path)


def _files(root: str) -> Iterator[tuple[str, int, float, tuple[int, int]]]:
    """(path, size, last change, (device, inode)) of every regular file under ``root``
    (symbolic links are not followed); the last change is the later of the inode's change and
    the content's modification time."""
    if os.path.isfile(root):
        found = os.stat(root)
        yield root, found.st_size, max(found.st_ctime, found.st_mtime), _identity(found)
        return
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    found = entry.stat(follow_symlinks=False)
                    changed = max(found.st_ctime, found.st_mtime)
                    yield entry.path, found.st_size, changed, _identity(found)


def _identity(found: os.stat_result) -> tuple[int, int]:
    """A file's device and inode: two paths with the same are the same bytes (hard links)."""
    return found.st_dev, found.st_ino


def _has_text(kind: pa.DataType) -> bool:
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind):
        return True
    if pa.types.is_string_view(kind) or pa.types.is_large_binary(kind):
        return True
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _has_text(kind.value_type)
    if pa.types.is_struct(kind):
        return any(_has_text(kind.field(i).type) for i in range(kind.num_fields))
    if pa.types.is_map(kind):
        return _has_text(kind.key_type) or _has_text(kind.item_type)
    return False


def _text_values(table: pa.Table) -> Iterator[pl.Series]:
    """Every string value of ``table``, nested ones (a segment's words, a checkpoint's
    partition values) flattened."""
    for column in table.columns:
        yield from _strings(column.combine_chunks() if column.num_chunks else column)


def _strings(array) -> Iterator[pl.Series]:
    kind = array.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_map(kind):
        yield from _strings(array.flatten())
    elif pa.types.is_struct(kind):
        for i in range(kind.num_fields):
            yield from _strings(array.field(i))
    elif _has_text(kind):
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            values = [v.decode("latin-1") for v in array.to_pylist() if v is not None]
            yield pl.Series(values, dtype=pl.String)
        else:
            yield pl.Series(array.cast(pa.large_string())).drop_nulls()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _mask(label: str, matcher: _Matcher) -> str:
    """The path with every needle in it replaced by '…' (a file may be named by a call id)."""
    lowered = label.lower()
    for needle in [*matcher.kind_of, *matcher.masked]:
        while needle and needle in lowered:
            i = lowered.index(needle)
            label = label[:i] + "…" + label[i + len(needle) :]
            lowered = label.lower()
    return label
