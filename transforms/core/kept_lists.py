"""Word lists derived once per machine, not once per process.

Redaction's name lists (``transforms/privacy/pii/first_names.py``) are derived from pip packages'
files at every process's first scanned text: read, filtered against the common words (the US given
names alone were about 0.9 s of the lists' 1.6 s), unaccented. What they end as is the same in
every process of a machine until a package or the code that derives them changes, so it can be
kept, as ``compiled_regex`` keeps a large pattern's program.

A process's edge says where lists are kept (:func:`keep_under`, from ``CCR_MODEL_CACHE``:
``<it>/lists``); in a process whose edge said nothing, :func:`kept` derives as usual. A kept list
is used only when its file is the owner's and no one else can write it (else another user could
take a name out of the lists, and the name out of the redaction), when its header (the caller's
sources: package versions, a digest of the deriving code) matches, and when its digest (header and
body) holds; anything else is derived as usual and kept again. Files are created owner-only (0600,
folder 0700), written beside and moved in. A list that cannot be kept costs time, never results.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_FORMAT = b"ccr-lists-1\n"
_NAME = re.compile(r"[a-z0-9_-]+")
#: Versions of one list kept side by side (files named by their header): two code versions on one
#: machine (a deployment under way, two checkouts) each keep theirs; older ones are removed.
KEEP_VERSIONS = 4
_kept_in: list[Path | None] = [None]


def keep_under(model_cache: str | Path | None) -> None:
    """This process keeps derived lists in ``model_cache/lists`` (None: nowhere)."""
    _kept_in[0] = Path(model_cache).expanduser() / "lists" if model_cache else None


def kept_in() -> Path | None:
    """Where this process keeps derived lists (``keep_under``), if anywhere."""
    return _kept_in[0]


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
    folder = _kept_in[0]
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


def digest(fields: dict[str, Any], body: bytes) -> str:
    """What a kept file's ``sha256`` holds: its header's other fields and its body."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode() + b"\0" + body).hexdigest()


def _read(path: Path, header: dict[str, Any]) -> Any | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if (
            not stat.S_ISREG(st.st_mode)
            or st.st_uid != os.getuid()
            or stat.S_IMODE(st.st_mode) & 0o022
        ):
            return None  # another user's, or writable by others: not trusted
        data = f.read()
    if not data.startswith(_FORMAT):
        return None
    line_end = data.find(b"\n", len(_FORMAT))
    if line_end < 0:
        return None
    try:
        fields = json.loads(data[len(_FORMAT) : line_end])
    except ValueError:
        return None
    body = data[line_end + 1 :]
    if (
        not isinstance(fields, dict)
        or any(fields.get(k) != v for k, v in header.items())
        or fields.pop("sha256", None) != digest(fields, body)
    ):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _write(path: Path, header: dict[str, Any], body: bytes) -> None:
    fields = {**header}
    fields["sha256"] = digest(header, body)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_FORMAT + json.dumps(fields).encode() + b"\n" + body)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _prune(folder: Path, name: str) -> None:
    """Keep the ``KEEP_VERSIONS`` newest files of the list ``name``."""
    files = []
    for path in folder.glob(f"{name}.*.json"):
        with contextlib.suppress(OSError):
            files.append((path.lstat().st_mtime_ns, path))
    for _, path in sorted(files, reverse=True)[KEEP_VERSIONS:]:
        with contextlib.suppress(OSError):
            path.unlink()
