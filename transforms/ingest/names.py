"""Names in landing: which are acceptable, how they are shown, and the ids made from them.

Landing names come from whatever the call centre's tools produce: any Unicode (NFC or NFD),
spaces, ``#``/``%``/``?``, names that are not UTF-8 at all, phone numbers. The rules
(``docs/landing.md``):

- a name must be *text*: valid UTF-8, no control characters and no bidirectional overrides
  (which make ``evil‮3pm.wav`` display as ``evilvaw.mp3``);
- a tenant folder is a tenant id (``transforms.core.tenants.TENANT_ID_RE``, ASCII) with no phone
  number in it; any other tenant folder is set aside under the pseudo-tenant ``_unattributed``;
- a batch folder with an ordinary name (``_ORDINARY_BATCH``) keeps it as its batch id, so the
  partition key stays ``<tenant>__<batch>``; any other name gets ``<ascii slug>~<10 hex>``
  (``batch_ids``; found again by listing landing, unique per folder);
- names are shown, stored and logged through ``display`` (phone numbers and capitalised
  people's names masked: ``transforms.privacy.masking``), and quarantined
  bytes are kept under ``object_name`` (shortened and hashed past the file-system limit).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import PurePosixPath

from unidecode import unidecode

from transforms.core.tenants import TENANT_ID_RE
from transforms.privacy.masking import mask_personal, mask_phone_numbers

#: The longest file name accepted (characters). Longer names are set aside before reading.
MAX_NAME_CHARS = 200
#: ext4, XFS, APFS and NTFS allow 255 bytes per path component.
NAME_MAX_BYTES = 255
#: Tenant id of rows about a tenant folder whose name is not a tenant id: no tenant can own it.
UNATTRIBUTED = "_unattributed"
#: Batch ids that are kept as they are: short ASCII, no "__" (the partition-key separator), no
#: "..." (Dagster refuses it in a partition key), no "~" (marks a derived id).
_ORDINARY_BATCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
#: Bidirectional embedding/override/isolate controls (they reorder what a name displays).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SLUG_CHARS = re.compile(r"[^A-Za-z0-9.]+")
SLUG_CHARS = 40


def _unsafe(c: str) -> bool:
    """Not UTF-8 (a surrogate escape), a control character, a line or paragraph separator, or
    a bidirectional control."""
    return unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") or c in _BIDI


def is_text(name: str) -> bool:
    return not any(_unsafe(c) for c in name)


def printable(name: str) -> str:
    """The name with bytes that are not UTF-8 and unsafe characters escaped (``\\xe9``)."""
    raw = os.fsencode(name).decode("utf-8", "backslashreplace")
    return "".join(c.encode("unicode_escape").decode("ascii") if _unsafe(c) else c for c in raw)


def display(name: str) -> str:
    """How a landing name is stored, shown and logged: printable, phone numbers and names
    masked."""
    return mask_personal(printable(name))


def nfc(name: str) -> str:
    """The name compared with manifest values: a Mac uploads NFD, a manifest is usually NFC."""
    return unicodedata.normalize("NFC", name)


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def is_tenant_folder(name: str) -> bool:
    return bool(TENANT_ID_RE.match(name)) and mask_phone_numbers(name) == name


def is_ordinary_batch_id(name: str) -> bool:
    return (
        bool(_ORDINARY_BATCH.match(name))
        and "__" not in name
        and "..." not in name
        and mask_personal(name) == name
    )


def slug(name: str) -> str:
    """A short ASCII rendering of a name: ``lot-été #2`` → ``lot-ete-2``."""
    ascii_name = unidecode(nfc(display(name)))
    text = _SLUG_CHARS.sub("-", ascii_name)
    text = re.sub(r"[-.]{2,}", "-", text).strip("-.")
    return text[:SLUG_CHARS].rstrip("-.") or "batch"


def batch_ids(names: list[str]) -> dict[str, str]:
    """The batch id of each batch folder name (or ``<tenant folder>/<batch folder>`` under an
    unattributed tenant folder): the name itself when ordinary, else ``<slug>~<hash>``.

    The hash is taken over the *displayed* name, so a phone number in a folder name cannot be
    recovered from the id by trying numbers. Two names that display alike (differing only in a
    masked number) are told apart by their rank in byte order: ``~<hash>-2``, ``-3`` …
    """
    ids: dict[str, str] = {}
    seen: dict[str, int] = {}
    for name in sorted(names, key=os.fsencode):
        if is_ordinary_batch_id(name):
            ids[name] = name
            continue
        derived = f"{slug(name)}~{_digest(display(name), 10)}"
        seen[derived] = seen.get(derived, 0) + 1
        ids[name] = derived if seen[derived] == 1 else f"{derived}-{seen[derived]}"
    return ids


def object_name(name: str, sha256: str) -> str:
    """The name quarantined bytes are kept under: ``<sha256[:12]>-<display name>``, or, past the
    file system's 255-byte limit, a shortened name with a hash of the full one (extension kept)."""
    shown = display(name)
    full = f"{sha256[:12]}-{shown}"
    if len(os.fsencode(full)) <= NAME_MAX_BYTES:
        return full
    suffix = PurePosixPath(shown).suffix
    suffix = suffix if len(suffix) <= 10 else ""
    tail = f"~{_digest(shown, 12)}{suffix}"
    room = NAME_MAX_BYTES - len(os.fsencode(f"{sha256[:12]}-{tail}"))
    head = os.fsencode(shown)[:room].decode("utf-8", "ignore")
    return f"{sha256[:12]}-{head}{tail}"
