"""Word lists derived once per machine, not once per process.

Redaction's name lists (``transforms/privacy/pii/first_names.py``) are derived from pip packages'
files at every process's first scanned text: read, filtered against the common words (the US given
names alone were about 0.9 s of the lists' 1.6 s), unaccented. What they end as is the same in
every process of a machine until a package or the code that derives them changes, so it can be
kept, as ``compiled_regex`` keeps a large pattern's program.

A process's edge says where lists are kept (``kept_files.keep_under``, from
``CCR_MODEL_CACHE``: ``<it>/lists``); in a process whose edge said nothing, :func:`kept` derives
as usual. A kept list is used only when ``kept_files`` trusts its file (the owner's, no one else
can write it: else another user could take a name out of the lists, and the name out of the
redaction), when its header (the caller's sources: package versions, a digest of the deriving
code) matches, and when its digest (header and body) holds; anything else is derived as usual and
kept again. A list that cannot be kept costs time, never results.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from transforms.core import kept_files

T = TypeVar("T")

KIND = "lists"
_FORMAT = b"ccr-lists-1\n"
_NAME = re.compile(r"[a-z0-9_-]+")
#: Versions of one list kept side by side (files named by their header): two code versions on one
#: machine (a deployment under way, two checkouts) each keep theirs; older ones are removed.
KEEP_VERSIONS = 4


def kept_in() -> Path | None:
    """Where this process keeps derived lists (``kept_files.keep_under``), if anywhere."""
    return kept_files.folder(KIND)


def kept(
    name: str,
    sources: Callable[[], dict[str, Any]],
    build: Callable[[], T],
    encode: Callable[[T], Any],
    decode: Callable[[Any], T],
) -> T:
    """The list ``name``: decoded from its kept file when that file was kept from the same
    ``sources()`` (a JSON-able description of what ``build`` reads), else ``build()``, kept.
    ``encode`` gives JSON-able data that ``decode`` turns back into an equal value."""
    folder = kept_in()
    if folder is None or not _NAME.fullmatch(name):
        return build()
    header = json.loads(json.dumps({"list": name, "sources": sources()}))  # as read back
    key = hashlib.sha256(json.dumps(header, sort_keys=True).encode()).hexdigest()[:32]
    path = folder / f"{name}.{key}.json"
    data = _read(path, header)
    if data is not None:
        with contextlib.suppress(KeyError, TypeError, ValueError):  # not a list of this kind
            return decode(data)
    value = build()
    with contextlib.suppress(OSError, TypeError, ValueError):  # cannot be kept: costs time only
        _write(path, header, json.dumps(encode(value), ensure_ascii=False).encode("utf-8"))
        _prune(folder, name)
    return value


def _read(path: Path, header: dict[str, Any]) -> Any | None:
    found = kept_files.read(path, _FORMAT, header)
    if found is None:
        return None
    try:
        return json.loads(found[1])
    except ValueError:
        return None


def _write(path: Path, header: dict[str, Any], body: bytes) -> None:
    kept_files.write(path, _FORMAT, header, body)


def _prune(folder: Path, name: str) -> None:
    """Keep the ``KEEP_VERSIONS`` newest files of the list ``name``."""
    files = []
    for path in folder.glob(f"{name}.*.json"):
        with contextlib.suppress(OSError):
            files.append((path.lstat().st_mtime_ns, path))
    for _, path in sorted(files, reverse=True)[KEEP_VERSIONS:]:
        with contextlib.suppress(OSError):
            path.unlink()
