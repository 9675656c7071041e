"""Very large regular expressions compiled once per machine, not once per process.

Python compiles a regular expression in pure Python before handing the program to its C engine
(``_sre``); for a pattern of a megabyte and more that takes seconds, in every process that builds
it. spaCy's French language data builds one at import (its tokenizer exceptions' ``TOKEN_MATCH``,
1.45 MB): that compile was most of the cost of loading the French NER that redaction needs
(docs/benchmarks.md, "NER cost").

A process's edge says where programs are kept (:func:`keep_under`, from ``CCR_MODEL_CACHE``:
``<it>/regex``). Inside :func:`compiled_once`, a pattern of at least ``min_length`` characters is
then compiled from the program kept there when one is there for the same pattern, flags and Python
build, and its program is kept there when not; in a process whose edge said nothing, compiled as
usual. The Pattern made from a kept program is the one Python would
have made: the same program, given to the same engine call (``_sre.compile``), which checks the
program's structure itself.

A kept program is used only when it is the owner's and no one else can write it (else another
user could change what a pattern matches), when its header (Python build, engine magic, pattern
and flags digest) matches, and when its digest (header and program) holds; anything else is
compiled as usual and kept again. Files are created owner-only (0600, folder 0700), written beside
and moved in. Outside the block, and on a Python whose ``re`` lacks the hook used here, nothing
changes.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import json
import os
import re
import secrets
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:  # CPython 3.11+: re._compiler.compile(pattern, flags) is what re.compile calls on a miss
    import _sre
    from re import _compiler as _re_compiler
except ImportError:  # pragma: no cover - another implementation: compile as usual
    _sre = None
    _re_compiler = None

#: spaCy's French pattern is far above this; ordinary patterns are far below and compile as usual.
MIN_LENGTH = 100_000
_FORMAT = b"ccr-sre-1\n"
_LOCK = threading.Lock()
_active: list[tuple[Path, int]] = []
_original_compile = getattr(_re_compiler, "compile", None)


_kept_in: list[Path | None] = [None]


def keep_under(model_cache: str | Path | None) -> None:
    """This process keeps large patterns' programs in ``model_cache/regex`` (None: nowhere)."""
    _kept_in[0] = Path(model_cache).expanduser() / "regex" if model_cache else None


def kept_in() -> Path | None:
    """Where this process keeps large patterns' programs (``keep_under``), if anywhere."""
    return _kept_in[0]


@contextlib.contextmanager
def compiled_once(
    cache_dir: str | Path | None = None, *, min_length: int = MIN_LENGTH
) -> Iterator[None]:
    """Within the block, patterns of ``min_length`` characters or more compile via ``cache_dir``
    (default: where the process's edge keeps them; none said, as usual)."""
    cache_dir = cache_dir or _kept_in[0]
    if cache_dir is None or _original_compile is None:
        yield
        return
    if array.array("I").itemsize != _sre.CODESIZE:  # pragma: no cover - no such CPython build
        yield
        return
    entry = (Path(cache_dir).expanduser(), min_length)
    with _LOCK:
        _active.append(entry)
        _re_compiler.compile = _compile
    try:
        yield
    finally:
        with _LOCK:
            _active.remove(entry)
            if not _active:
                _re_compiler.compile = _original_compile


def _compile(p: Any, flags: int = 0) -> re.Pattern:
    """``re._compiler.compile`` inside the block: a large pattern from its kept program."""
    if not isinstance(p, str):  # a parsed pattern (re.Scanner): compiled as usual
        return _original_compile(p, flags)
    where = next((folder for folder, least in reversed(_active) if len(p) >= least), None)
    if where is None:
        return _original_compile(p, flags)
    path, header = _where(where, p, flags)
    kept = _read(path, header)
    if kept is not None:
        try:
            return _sre.compile(p, *kept)
        except (RuntimeError, TypeError, ValueError):  # refused by the engine: compiled below
            pass
    compiled, args = _compile_capturing(p, flags)
    with contextlib.suppress(OSError):  # a cache that cannot be written costs time, not results
        _write(path, header, args)
    return compiled


def _where(cache_dir: Path, pattern: str, flags: int) -> tuple[Path, dict[str, Any]]:
    digest = hashlib.sha256(pattern.encode("utf-8", "surrogatepass")).hexdigest()
    header = {
        "python": sys.version,
        "sre_magic": _sre.MAGIC,
        "pattern_sha256": digest,
        "call_flags": int(flags),
    }
    key = hashlib.sha256(json.dumps(header, sort_keys=True).encode()).hexdigest()[:32]
    return cache_dir / f"{key}.sre", header


def _compile_capturing(pattern: str, flags: int) -> tuple[re.Pattern, tuple]:
    """Compile as Python does, keeping the arguments it gives the engine for ``pattern``."""
    seen: list[tuple] = []

    class _Engine:  # _sre, recording the one call made for this pattern
        def __getattr__(self, name: str) -> Any:
            return getattr(_sre, name)

        @staticmethod
        def compile(pat, *args):
            if pat is pattern:
                seen.append(args)
            return _sre.compile(pat, *args)

    with _LOCK:
        _re_compiler._sre = _Engine()
    try:
        compiled = _original_compile(pattern, flags)
    finally:
        with _LOCK:
            _re_compiler._sre = _sre
    return compiled, (seen[0] if seen else ())


def _read(path: Path, header: dict[str, Any]) -> tuple | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if st.st_uid != os.getuid() or stat.S_IMODE(st.st_mode) & 0o022:
            return None  # another user's, or writable by others: not trusted
        data = f.read()
    if not data.startswith(_FORMAT):
        return None
    line_end = data.find(b"\n", len(_FORMAT))
    if line_end < 0:
        return None
    try:
        kept = json.loads(data[len(_FORMAT) : line_end])
    except ValueError:
        return None
    body = data[line_end + 1 :]
    if (
        not isinstance(kept, dict)
        or any(kept.get(k) != v for k, v in header.items())
        or kept.pop("sha256", None) != digest(kept, body)
        or len(body) % array.array("I").itemsize
    ):
        return None
    code = array.array("I")
    code.frombytes(body)
    indexgroup = tuple(kept["indexgroup"])
    return kept["flags"], code.tolist(), kept["groups"], kept["groupindex"], indexgroup


def digest(fields: dict[str, Any], body: bytes) -> str:
    """What a kept file's ``sha256`` holds: its header's other fields and its program."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode() + b"\0" + body).hexdigest()


def _write(path: Path, header: dict[str, Any], args: tuple) -> None:
    if len(args) != 5:
        return
    flags, code, groups, groupindex, indexgroup = args
    body = array.array("I", code).tobytes()
    kept = {
        **header,
        "flags": flags,
        "groups": groups,
        "groupindex": dict(groupindex),
        "indexgroup": list(indexgroup),
    }
    kept["sha256"] = digest(kept, body)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_FORMAT + json.dumps(kept).encode() + b"\n" + body)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
