"""Very large regular expressions compiled once per machine, not once per process.

Python compiles a regular expression in pure Python before handing the program to its C engine
(``_sre``); for a pattern of a megabyte and more that takes seconds, in every process that builds
it. spaCy's French language data builds one at import (its tokenizer exceptions' ``TOKEN_MATCH``,
1.45 MB): that compile was most of the cost of loading the French NER that redaction needs
(docs/benchmarks.md, "NER cost").

A process's edge says where programs are kept (``kept_files.keep_under``, from
``CCR_MODEL_CACHE``: ``<it>/regex``). Inside :func:`compiled_once`, a pattern of at least
``min_length`` characters is then compiled from the program kept there when one is there for the
same pattern, flags and Python build (the header ``kept_files`` checks, with the file's owner,
mode and digest), and its program is kept there when not; in a process whose edge said nothing,
compiled as usual. The Pattern made from a kept program is the one Python would have made: the
same program, given to the same engine call (``_sre.compile``), which checks the program's
structure itself. Outside the block, and on a Python whose ``re`` lacks the hook used here,
nothing changes.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import json
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from transforms.core import kept_files

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


KIND = "regex"


def kept_in() -> Path | None:
    """Where this process keeps large patterns' programs (``kept_files.keep_under``), if any."""
    return kept_files.folder(KIND)


@contextlib.contextmanager
def compiled_once(
    cache_dir: str | Path | None = None, *, min_length: int = MIN_LENGTH
) -> Iterator[None]:
    """Within the block, patterns of ``min_length`` characters or more compile via ``cache_dir``
    (default: where the process's edge keeps them; none said, as usual)."""
    cache_dir = cache_dir or kept_in()
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
    found = kept_files.read(path, _FORMAT, header)
    if found is None or len(found[1]) % array.array("I").itemsize:
        return None
    kept, body = found
    code = array.array("I")
    code.frombytes(body)
    indexgroup = tuple(kept["indexgroup"])
    return kept["flags"], code.tolist(), kept["groups"], kept["groupindex"], indexgroup


def _write(path: Path, header: dict[str, Any], args: tuple) -> None:
    if len(args) != 5:
        return
    flags, code, groups, groupindex, indexgroup = args
    kept = {
        **header,
        "flags": flags,
        "groups": groups,
        "groupindex": dict(groupindex),
        "indexgroup": list(indexgroup),
    }
    kept_files.write(path, _FORMAT, kept, array.array("I", code).tobytes())
