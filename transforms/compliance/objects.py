"""The byte half of the proof: the stored objects of an erasure (recordings, playback copies,
quarantined bytes, objects no row referenced), looked for after it by location, by name and by
content.

A recording is named by its SHA-256 and holds none of the strings the residual scan looks for,
so a proof that searched strings only could not see a recording left behind. Before anything is
deleted, this module reads what the objects are (in memory only): every location the erasure
deletes, the recorded SHA-256 and size of each recording (``bronze.calls.audio_sha256``) and of
each quarantined file (``bronze.quarantine.file_sha256``), and the names they were stored under.
Afterwards:

- every location must be gone (``storage.existing``);
- the residual scan, which lists every file under the home, the lakehouse (every object version
  of a versioned bucket) and the export folders still on this host, hashes every file whose
  size is one of the erased objects' sizes and compares it with their digests (a copy under
  any name is found), and searches every name and byte for the erased recordings' SHA-256
  (a playback copy is named after its recording, a log line may name a path).

An object a kept row still uses (a recording a kept call shares, a call's own recording kept
as its quarantined bytes) is left out, as kept identifiers are from the string needles. The
certificate lists what was checked as counts per kind, never a name or a digest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from transforms.core import storage
from transforms.core.lakehouse import Lakehouse
from transforms.core.tables import CALLS, QUARANTINE, TRANSCRIPTS

#: What a digest or a location is, in the certificate's counts.
RECORDING, PLAYBACK, QUARANTINED, ORPHANED, LANDING, PARTIAL = (
    "recording",
    "playback_copy",
    "quarantined",
    "unreferenced",
    "landing",
    "partial_write",
)
_SHA_NAME = re.compile(r"^([0-9a-f]{64})(?:\.|$)")
#: Digests searched as names at most: a tenant purge erases thousands of recordings, each
#: already looked for by location and by content; 2,500 more 64-character needles cost the
#: residual scan a third more time (1M segments), a sample of 400 about 5 %. Digests are
#: random, so the first in sorted order are a fair sample.
MAX_NAMES = 400


@dataclass(frozen=True)
class Objects:
    """The erased objects, as the proof looks for them afterwards (in memory only)."""

    #: Every location the erasure deletes, by kind.
    locations: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Content SHA-256 → kind (recordings and quarantined bytes, by their recorded digest).
    digests: dict[str, str] = field(default_factory=dict)
    #: The sizes of those objects: only files of these sizes are hashed.
    sizes: frozenset[int] = frozenset()
    #: Recording digests that kept data no longer names: searched in every name and byte.
    names: frozenset[str] = frozenset()

    def counts(self) -> dict[str, int]:
        return {kind: len(found) for kind, found in sorted(self.locations.items())}

    def digest_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for kind in self.digests.values():
            out[kind] = out.get(kind, 0) + 1
        return dict(sorted(out.items()))

    def left(self) -> dict[str, int]:
        """How many of the locations still exist, by kind (after the erasure: all zeros)."""
        return {
            kind: len(storage.existing(list(found))) if found else 0
            for kind, found in sorted(self.locations.items())
        }


def kind_of(lh: Lakehouse, uri: str) -> str:
    """A location's kind, from where it lies and its name."""
    name = uri.rsplit("/", 1)[-1]
    if name.endswith(".partial"):
        return PARTIAL
    base = lh.root.rstrip("/") + "/"
    if uri.startswith(f"{base}quarantine_files/"):
        return QUARANTINED
    if uri.startswith(f"{base}audio/"):
        return PLAYBACK if ".playback." in name else RECORDING
    return LANDING


def build(
    lh: Lakehouse,
    files: Iterable[str],
    recordings_of: set[str],
    rows_gone: set[str],
    quarantine_ids: set[str],
) -> Objects:
    """What to look for once ``files`` are deleted: the recordings of the calls
    ``recordings_of`` (call_uids), the quarantined bytes of ``quarantine_ids``, and any file
    named by a digest (an unreferenced recording). ``rows_gone``: the calls whose rows all go,
    so that their recordings' digests no longer appear in kept data and can be searched as
    names."""
    locations: dict[str, list[str]] = {}
    for uri in sorted(set(files)):
        locations.setdefault(kind_of(lh, uri), []).append(uri)
    calls = lh.read(CALLS, columns=["call_uid", "audio_sha256", "file_size_bytes"])
    erased = calls.filter(pl.col("call_uid").is_in(list(recordings_of)))
    kept_calls = calls.filter(~pl.col("call_uid").is_in(list(recordings_of)))
    quarantine = lh.read(QUARANTINE, columns=["quarantine_id", "file_sha256", "file_size_bytes"])
    gone_q = quarantine.filter(pl.col("quarantine_id").is_in(list(quarantine_ids)))
    kept_q = quarantine.filter(~pl.col("quarantine_id").is_in(list(quarantine_ids)))
    # an object a kept row still uses stays, whatever it is (a recording two calls share, a
    # call's recording kept as its quarantined bytes)
    in_use = set(kept_calls["audio_sha256"].drop_nulls().to_list())
    in_use |= set(kept_q["file_sha256"].drop_nulls().to_list())
    digests: dict[str, str] = {}
    sizes: set[int] = set()
    recorded = ((erased, RECORDING, "audio_sha256"), (gone_q, QUARANTINED, "file_sha256"))
    for frame, kind, column in recorded:
        for sha, size in frame.select(column, "file_size_bytes").iter_rows():
            if sha and sha not in in_use and sha != "0" * 64:
                digests.setdefault(sha, kind)
                if size is not None:
                    sizes.add(int(size))
    for uri in locations.get(RECORDING, []):
        match = _SHA_NAME.match(uri.rsplit("/", 1)[-1])
        if match and match.group(1) not in in_use and match.group(1) not in digests:
            found = storage.entry(uri)  # a recording no row names: its name is its digest
            if found is not None:
                digests[match.group(1)] = ORPHANED
                sizes.add(found.size)
    # names: a digest kept rows no longer hold anywhere (transcripts keep it with their call)
    named = set(kept_calls["audio_sha256"].drop_nulls().to_list())
    named |= set(calls.filter(~pl.col("call_uid").is_in(list(rows_gone)))["audio_sha256"])
    transcripts = lh.read(TRANSCRIPTS, columns=["call_uid", "audio_sha256"])
    named |= set(
        transcripts.filter(~pl.col("call_uid").is_in(list(rows_gone)))["audio_sha256"].to_list()
    )
    named |= set(kept_q["file_sha256"].drop_nulls().to_list())
    searchable = sorted(d for d, kind in digests.items() if kind != QUARANTINED and d not in named)
    names = frozenset(searchable[:MAX_NAMES])
    return Objects(
        locations={k: tuple(v) for k, v in locations.items()},
        digests=digests,
        sizes=frozenset(sizes),
        names=names,
    )
