"""Files a process derives once per machine and keeps for the next: a very large pattern's
compiled program (``compiled_regex``), redaction's name lists (``kept_lists``).

A process's edge says where they are kept (:func:`keep_under`, from ``CCR_MODEL_CACHE``: one
folder per kind under it, :func:`folder`); where it said nothing, nothing is kept and each process
derives as usual.

Every kept file is one format line, one JSON header line, then the body. It is trusted only when
it is a regular file (not a link) of the process's owner that no one else can write (else another
user could change what a pattern matches or take a name out of the lists), when its header holds
the fields the reader expects (what it was derived from) and when the header's ``sha256`` over its
other fields and the body holds; anything else reads as absent, and the caller derives and keeps
again. Files are created owner-only (0600 in a 0700 folder), written beside and moved in.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

_root: list[Path | None] = [None]


def keep_under(model_cache: str | Path | None) -> None:
    """This process keeps what it derives in ``model_cache/<kind>`` (None: nowhere)."""
    _root[0] = Path(model_cache).expanduser() if model_cache else None


def folder(kind: str) -> Path | None:
    """Where this process keeps files of ``kind`` (``keep_under``), if anywhere."""
    return _root[0] / kind if _root[0] is not None else None


def digest(fields: dict[str, Any], body: bytes) -> str:
    """What a kept file's ``sha256`` holds: its header's other fields and its body."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode() + b"\0" + body).hexdigest()


def read(path: Path, magic: bytes, expected: dict[str, Any]) -> tuple[dict[str, Any], bytes] | None:
    """The header's fields (``sha256`` taken out) and the body of the kept file at ``path``, when
    it is trusted and its header holds ``expected``; else None."""
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
    if not data.startswith(magic):
        return None
    line_end = data.find(b"\n", len(magic))
    if line_end < 0:
        return None
    try:
        fields = json.loads(data[len(magic) : line_end])
    except ValueError:
        return None
    body = data[line_end + 1 :]
    if (
        not isinstance(fields, dict)
        or any(fields.get(k) != v for k, v in expected.items())
        or fields.pop("sha256", None) != digest(fields, body)
    ):
        return None
    return fields, body


def write(path: Path, magic: bytes, fields: dict[str, Any], body: bytes) -> None:
    """Keep ``body`` under a header of ``fields`` and their digest: owner-only, all or nothing."""
    header = {**fields, "sha256": digest(fields, body)}
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(magic + json.dumps(header).encode() + b"\n" + body)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
