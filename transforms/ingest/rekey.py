"""Re-keying callers pseudonymised before E.164: the old key of a number → its E.164 key.

Before E.164 a caller's key was the keyed hash of the number *as the manifest wrote it*, less
punctuation (``transforms.privacy.pseudonymise.legacy_form``): "07700 900123" and
"+44 7700 900123" were two people. A key is a one-way hash of a number that was never stored, so
no migration can turn an old key into the new one by itself. What one can do is use a number
wherever the product still sees one in clear:

- every manifest the ingest step reads, before landing is cleared (``step.py`` calls
  ``rekey_callers`` with the batch's numbers before it commits the batch): a caller who calls
  again is re-linked;
- ``ccr keys rekey-callers --tenant T`` (``numbers_waiting``): the manifests still in the
  tenant's landing, the manifests kept in quarantine before they were sanitised (they hold
  numbers in clear), and a list of numbers the client gives (its customer records);

and, for each number, move every row keyed by one of the keys the old rule could have given it
(``lookup_keys``: ``+CC…``, ``CC…``, national with trunk prefix, ``+CC0…``, the bare national
number) to its E.164 key: ``bronze.calls.caller_key`` and the ``caller_key`` of quarantined
manifest rows. Nothing is written but the new keys; the numbers stay in memory.

What it cannot do: re-key a caller whose number it never sees. Enumerating numbers to reverse
the old keys would re-identify people, so it is not done. Those rows keep their old key until
retention nulls it; a data-subject request or a residual scan still finds them, because a lookup
by number always tries the old keys too (``lookup_keys``), whether or not this has run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from transforms.core import storage
from transforms.core.keys import KeyStore
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.tables import CALLS, QUARANTINE
from transforms.ingest.landing import MANIFEST_NAMES, is_temporary
from transforms.ingest.manifest import MAX_MANIFEST_BYTES, quarantine_rows
from transforms.privacy.pseudonymise import PhoneNumberError, lookup_keys, parse


@dataclass(frozen=True)
class Rekeyed:
    """What a re-keying did (counts only: no number, no key)."""

    numbers: int = 0
    #: numbers that do not parse in the tenant's region: nothing to re-key them to
    unparsed: int = 0
    calls: int = 0
    quarantine_rows: int = 0


def key_map(
    store: KeyStore, tenant_id: str, numbers: Iterable[str], region: str | None
) -> tuple[dict[str, str], int, int]:
    """(old key → E.164 key, numbers read, numbers that do not parse)."""
    mapping: dict[str, str] = {}
    seen = unparsed = 0
    for raw in dict.fromkeys(n.strip() for n in numbers if n and n.strip()):
        seen += 1
        try:
            parse(raw, region)
        except PhoneNumberError:
            unparsed += 1
            continue
        new, *old = lookup_keys(store, tenant_id, raw, region)
        mapping |= dict.fromkeys(old, new)
    return mapping, seen, unparsed


def rekey_callers(
    lh: Lakehouse, store: KeyStore, tenant_id: str, numbers: Iterable[str], region: str | None
) -> Rekeyed:
    """Move the tenant's rows keyed under the old rule for ``numbers`` to their E.164 key.
    Idempotent: a second run finds nothing to move."""
    mapping, seen, unparsed = key_map(store, tenant_id, numbers, region)
    if not mapping:
        return Rekeyed(seen, unparsed)
    calls = lh.read(CALLS, tenant_id, where={"caller_key": sorted(mapping)})
    if calls.height:
        moved = calls.with_columns(pl.col("caller_key").replace(mapping))
        lh.merge(CALLS, conform(CALLS, moved), update=True)
    quarantined = lh.read(QUARANTINE, tenant_id).filter(pl.col("manifest_row").is_not_null())
    changed = []
    for row in quarantined.iter_rows(named=True):
        kept = json.loads(row["manifest_row"])
        if kept.get("caller_key") in mapping:
            kept["caller_key"] = mapping[kept["caller_key"]]
            # as transforms.core.quarantine writes it: sorted keys, the same text for the same row
            changed.append(
                row | {"manifest_row": json.dumps(kept, sort_keys=True, ensure_ascii=False)}
            )
    if changed:
        lh.merge(QUARANTINE, conform(QUARANTINE, changed), update=True)
    return Rekeyed(seen, unparsed, calls.height, len(changed))


def manifest_numbers(name: str, data: bytes) -> list[str]:
    """The ``caller_phone`` values of a manifest (none when it cannot be read)."""
    rows = quarantine_rows(name, data) or []
    return [str(r["caller_phone"]) for r in rows if r.get("caller_phone")]


def numbers_waiting(landing: str, quarantine_store: str, tenant_id: str) -> list[str]:
    """Numbers the product still holds in clear for ``tenant_id``: the manifests waiting in its
    landing folders and the manifests kept whole in its quarantine (set aside before quarantine
    kept only sanitised manifests)."""
    found: list[str] = []
    for root in (storage.join(landing, tenant_id), storage.join(quarantine_store, tenant_id)):
        for batch in storage.list_entries(root):
            if batch.kind != "dir":
                continue
            for entry in storage.list_entries(batch.uri):
                manifest = any(entry.name.endswith(m) for m in MANIFEST_NAMES)
                if entry.kind != "file" or not manifest or is_temporary(entry.name):
                    continue
                if entry.size > MAX_MANIFEST_BYTES:
                    continue
                found += manifest_numbers(entry.name, storage.read_bytes(entry.uri))
    return found
