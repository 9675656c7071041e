"""Files that are not Delta tables (audio, quarantined bytes, landing): paths, never URIs.

A location is a local path or an object-store URI. Names are never put into a URI: pyarrow
cannot parse a ``file://`` URI holding a space or a non-ASCII character ("appel-été n°1.mp3"),
and ``#``, ``%`` or ``?`` in a name would change its meaning. So a local path goes to pyarrow's
``LocalFileSystem`` (or ``os``) as it is, and of a real URI (``s3://bucket/prefix``) only the
root (``s3://bucket``) is parsed; the rest, names included, is joined as path segments. An
``s3://`` location gets pyarrow's native S3 filesystem with the ``CCR_S3_*`` settings
(``transforms.core.object_store``).

Every deletion is confined to the configured roots (``Roots``: the lakehouse, landing and
``CCR_HOME``): a path outside them is refused with an error naming the roots, never deleted. A
copied or restored home whose rows still point into the original therefore cannot delete the
original's files. Erasure and retention pass their roots; other callers get the roots
configured where the work started (``configure_roots``: ``ccr``, a run's settings resource).

Landing is read as an untrusted upload area: it is listed with ``lstat`` (a link is reported as
a link, never followed), and a file is opened with ``O_NOFOLLOW`` and checked to be a regular
file on the open descriptor, so a link swapped in after the listing is not followed either.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.fs as pafs

from transforms.core import object_store
from transforms.core.settings import Settings

_LOCAL = pafs.LocalFileSystem()
#: Bytes read or copied at a time when streaming a file.
CHUNK_BYTES = 1 << 20


class NotARegularFile(OSError):
    """The path is a link, a folder, a FIFO, a socket or a device, not a regular file."""


class FileTooLarge(OSError):
    """The file is larger than the caller's cap; nothing past the cap was read."""


class OutsideRoots(PermissionError):
    """A location outside every configured root: never deleted, never followed."""


def _normal(uri: str) -> str:
    """``uri`` with ``.``/``..`` segments and doubled or trailing slashes folded, lexically; a
    local path made absolute with its folder's links resolved (the last name is not followed:
    deleting a link removes the link)."""
    if uri.startswith("file://"):
        uri = uri.removeprefix("file://")
    if "://" in uri:
        scheme, rest = uri.split("://", 1)
        parts: list[str] = []
        for part in rest.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if len(parts) <= 1:  # above the bucket
                    raise OutsideRoots(f"{scheme}://…: a location above its bucket")
                parts.pop()
            else:
                parts.append(part)
        return f"{scheme}://" + "/".join(parts)
    path = os.path.normpath(os.path.abspath(uri))
    folder, name = os.path.split(path)
    return os.path.join(os.path.realpath(folder), name) if name else os.path.realpath(path)


def canonical(uri: str) -> str:
    """``uri`` as roots compare it (``_normal``)."""
    return _normal(uri)


@dataclass(frozen=True)
class Roots:
    """The folders (or object-store prefixes) files may be deleted in and stored locations
    may point into."""

    paths: tuple[str, ...]

    @classmethod
    def of(cls, *roots: str | Path | None) -> Roots:
        return cls(tuple(dict.fromkeys(_normal(str(r)) for r in roots if r)))

    @classmethod
    def for_settings(cls, settings: Settings) -> Roots:
        """A home's roots: its lakehouse (recordings, playback copies, quarantined bytes),
        its landing area and ``CCR_HOME`` itself (the compliance folder, dbt's artifacts)."""
        return cls.of(settings.lakehouse, settings.landing, settings.home)

    def holding(self, uri: str) -> str | None:
        """The root ``uri`` lies in (the root itself counts), or None."""
        try:
            target = _normal(uri)
        except OutsideRoots:
            return None
        for root in self.paths:
            if target == root or target.startswith(root.rstrip("/") + "/"):
                return root
        return None

    def check(self, uri: str, doing: str = "delete") -> str:
        """``uri`` if it lies inside a root (a root itself is never deleted); ``OutsideRoots``
        (naming the roots) otherwise."""
        root = self.holding(uri)
        if root is None or (doing == "delete" and _normal(uri) == root):
            raise OutsideRoots(
                f"refused to {doing} a location outside the configured roots "
                f"({', '.join(self.paths) or 'none'}): a stored path from another home (a copy, "
                "a restore, a moved CCR_HOME) is never followed; rewrite stored paths with "
                "`ccr lakehouse migrate-paths`"
            )
        return uri


#: The roots of the home this process works for, set where work starts (``ccr``'s main, a run's
#: settings resource: ``configure_roots``); deletions without roots of their own are confined
#: to them.
_CONFIGURED_ROOTS: list[Roots | None] = [None]


def configure_roots(roots: Roots | None) -> None:
    """Confine every deletion of this process that names no roots to ``roots``."""
    _CONFIGURED_ROOTS[0] = roots


def configured_roots() -> Roots | None:
    return _CONFIGURED_ROOTS[0]


def _guard(uri: str, within: Roots | None) -> None:
    roots = within or _CONFIGURED_ROOTS[0]
    if roots is not None:
        roots.check(uri)


@dataclass(frozen=True)
class Entry:
    """One name in a folder, as listed without following links."""

    name: str  # as on disk; a name that is not UTF-8 holds surrogate escapes (os.fsdecode)
    uri: str
    kind: str  # "file" | "dir" | "symlink" | "other" (FIFO, socket, device)
    size: int
    #: Latest of modification and status change (a rename or a copy that keeps the
    #: modification time still changes the status time), nanoseconds since the epoch.
    changed_ns: int
    #: Last modification alone (what an object store keeps), nanoseconds since the epoch.
    modified_ns: int = 0


def join(base: str, *parts: str) -> str:
    """``base/part/…`` for a path or a URI; parts are names, never parsed."""
    return "/".join([base.rstrip("/"), *parts])


@functools.lru_cache(maxsize=32)
def _root_filesystem(root: str) -> tuple[pafs.FileSystem, str]:
    return pafs.FileSystem.from_uri(root)


def is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


def filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """pyarrow filesystem and in-filesystem path; only a URI's ``scheme://authority`` is parsed."""
    if "://" not in uri:
        return _LOCAL, uri
    if uri.startswith("file://"):
        return _LOCAL, uri.removeprefix("file://")
    scheme, rest = uri.split("://", 1)
    authority, _, path = rest.partition("/")
    if object_store.is_s3(uri):  # endpoint and credentials from the CCR_S3_* settings
        return object_store.arrow_filesystem(), "/".join(p for p in (authority, path) if p)
    fs, base = _root_filesystem(f"{scheme}://{authority}")
    return fs, "/".join(p for p in (base.rstrip("/"), path) if p)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


def entry(uri: str) -> Entry | None:
    """What is at ``uri`` (a link described, not followed); None when nothing is there."""
    fs, path = filesystem(uri)
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if fs is _LOCAL:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return None
        changed = max(st.st_mtime_ns, st.st_ctime_ns)
        return Entry(name, uri, _kind(st.st_mode), st.st_size, changed, st.st_mtime_ns)
    info = fs.get_file_info(path)
    if info.type == pafs.FileType.NotFound:
        return None
    return _remote_entry(info, uri)


def _remote_entry(info: pafs.FileInfo, uri: str) -> Entry:
    kind = {pafs.FileType.File: "file", pafs.FileType.Directory: "dir"}.get(info.type, "other")
    modified = info.mtime_ns or 0
    return Entry(info.base_name, uri, kind, max(info.size or 0, 0), modified, modified)


def list_entries(uri: str) -> list[Entry]:
    """The folder's entries sorted by name, links not followed; empty if there is no folder.

    ``os.scandir`` rather than pyarrow's selector locally: pyarrow follows links and raises
    ``UnicodeDecodeError`` on a name that is not UTF-8, which would stop every tenant's batches.
    """
    fs, path = filesystem(uri)
    found: list[Entry] = []
    if fs is _LOCAL:
        try:
            with os.scandir(path) as it:
                for e in it:
                    try:
                        st = e.stat(follow_symlinks=False)
                    except FileNotFoundError:  # removed while listing
                        continue
                    changed = max(st.st_mtime_ns, st.st_ctime_ns)
                    kind, at = _kind(st.st_mode), join(uri, e.name)
                    found.append(Entry(e.name, at, kind, st.st_size, changed, st.st_mtime_ns))
        except (FileNotFoundError, NotADirectoryError):
            return []
    else:
        for info in fs.get_file_info(pafs.FileSelector(path, allow_not_found=True)):
            found.append(_remote_entry(info, join(uri, info.base_name)))
    return sorted(found, key=lambda e: os.fsencode(e.name))


def walk(uri: str) -> list[Entry]:
    """Every file (and link, FIFO…) under the folder ``uri``, recursively, links not followed;
    empty if there is no such folder. Folders themselves are not listed."""
    fs, root = filesystem(uri)
    if fs is not _LOCAL:
        infos = fs.get_file_info(pafs.FileSelector(root, recursive=True, allow_not_found=True))
        prefix = uri[: len(uri) - len(root)]
        return [_remote_entry(i, prefix + i.path) for i in infos if i.type == pafs.FileType.File]
    found: list[Entry] = []
    pending = [uri]
    while pending:
        folder = pending.pop()
        for e in list_entries(folder):
            (pending.append(e.uri) if e.kind == "dir" else found.append(e))
    return sorted(found, key=lambda e: e.uri)


def _open_regular(uri: str, max_bytes: int | None):
    """An open binary stream of a regular file no larger than ``max_bytes``."""
    fs, path = filesystem(uri)
    if fs is _LOCAL:
        # O_NOFOLLOW: a link is refused, even one swapped in after the listing; O_NONBLOCK: a
        # FIFO does not block the open (it is refused just below).
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # a link (O_NOFOLLOW)
                raise NotARegularFile(f"{exc.strerror}") from None
            raise
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise NotARegularFile("not a regular file")
        if max_bytes is not None and st.st_size > max_bytes:
            os.close(fd)
            raise FileTooLarge(f"{st.st_size} bytes, more than {max_bytes}")
        return os.fdopen(fd, "rb")
    f = fs.open_input_file(path)
    if max_bytes is not None and f.size() > max_bytes:
        f.close()
        raise FileTooLarge(f"{f.size()} bytes, more than {max_bytes}")
    return f


def read_head(uri: str, size: int) -> bytes:
    """The first ``size`` bytes of a regular file (a header: sealed or not)."""
    with _open_regular(uri, None) as f:
        return f.read(size)


def read_bytes(uri: str, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file; links are not followed. Raises ``FileTooLarge`` past
    ``max_bytes`` (checked on the open file, and again on what is read)."""
    with _open_regular(uri, max_bytes) as f:
        data = f.read() if max_bytes is None else f.read(max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:
        raise FileTooLarge(f"more than {max_bytes} bytes")
    return data


def _partial(path: str) -> str:
    """The temporary name a write goes to first: short (a long name plus a suffix could pass the
    file system's name limit) and the same for the same target, so a write interrupted by a
    crash is overwritten by the rerun rather than left behind."""
    folder, _, name = path.rpartition("/")
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:16]
    return f"{folder}/.{digest}.partial"


def write_bytes(uri: str, data: bytes) -> None:
    fs, path = filesystem(uri)
    fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    if not is_local(uri):  # an object PUT is atomic already; a move would be a copy
        with fs.open_output_stream(path) as out:
            out.write(data)
        return
    # Write beside, then move: a reader never sees half an audio file.
    tmp = _partial(path)
    with fs.open_output_stream(tmp) as out:
        out.write(data)
    fs.move(tmp, path)


def copy_hashed(
    src_uri: str,
    folder_uri: str,
    name_for: Callable[[str], str],
    seal: Callable[[Iterable[bytes]], Iterable[bytes]] | None = None,
) -> tuple[str, int]:
    """Stream a regular file into ``folder_uri/name_for(sha256)``, never holding it in memory,
    through ``seal`` if given (the tenant's encryption: the digest is the clear content's).

    Returns (sha256, size). Used for files too large to read whole.
    """
    fs, folder = filesystem(folder_uri)
    fs.create_dir(folder, recursive=True)
    tmp = _partial(f"{folder}/{hashlib.sha256(src_uri.encode('utf-8', 'replace')).hexdigest()}")
    digest, size = hashlib.sha256(), 0

    def chunks(src) -> Iterator[bytes]:
        nonlocal size
        while chunk := src.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            yield chunk

    with _open_regular(src_uri, None) as src, fs.open_output_stream(tmp) as out:
        for piece in (seal or (lambda c: c))(chunks(src)):
            out.write(piece)
    sha = digest.hexdigest()
    fs.move(tmp, f"{folder}/{name_for(sha)}")
    return sha, size


def copy_file(src_uri: str, dst_uri: str) -> tuple[str, int]:
    """Stream a regular file to ``dst_uri`` (local or object store, either side), written beside
    and moved; (sha256, size) of what was copied."""
    fs, path = filesystem(dst_uri)
    fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    tmp = _partial(path)
    digest, size = hashlib.sha256(), 0
    with _open_regular(src_uri, None) as src, fs.open_output_stream(tmp) as out:
        while chunk := src.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    fs.move(tmp, path)
    return digest.hexdigest(), size


def copy_to_local(uri: str, target: Path) -> None:
    """Stream a stored file (local or on an object store) into the local file ``target``."""
    fs, path = filesystem(uri)
    with fs.open_input_stream(path) as src, target.open("wb") as out:
        while chunk := src.read(CHUNK_BYTES):
            out.write(chunk)


def delete_file(uri: str, within: Roots | None = None) -> None:
    """Remove a file, link (not its target), FIFO or socket; nothing if it is already gone.
    ``OutsideRoots`` (nothing deleted) if ``uri`` is outside ``within`` (default: the
    process's roots)."""
    _guard(uri, within)
    fs, path = filesystem(uri)
    if fs is _LOCAL:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return
    if fs.get_file_info(path).type == pafs.FileType.File:
        fs.delete_file(path)


def remove_empty_folder(uri: str, within: Roots | None = None) -> bool:
    """Remove the folder if it is empty; whether it was removed (confined like ``delete_file``)."""
    _guard(uri, within)
    fs, path = filesystem(uri)
    if fs is _LOCAL:
        try:
            os.rmdir(path)
        except OSError:
            return False
        return True
    if fs.get_file_info(pafs.FileSelector(path, allow_not_found=True)):
        return False
    fs.delete_dir(path)
    return True


def existing(uris: list[str]) -> list[str]:
    """The ``uris`` that name a file now (one listing call per filesystem, not one per file)."""
    if not uris:
        return []
    fs, _ = filesystem(uris[0])
    paths = [filesystem(u)[1] for u in uris]
    infos = fs.get_file_info(paths)
    return [u for u, i in zip(uris, infos, strict=True) if i.type == pafs.FileType.File]


def list_files(uri: str) -> list[str]:
    """Every file under the folder ``uri`` (recursively); empty if there is no such folder."""
    fs, root = filesystem(uri)
    if fs.get_file_info(root).type != pafs.FileType.Directory:
        return []
    # allow_not_found: an object store may report a folder (a marker, a prefix in a versioned
    # bucket) whose listing then finds nothing
    infos = fs.get_file_info(pafs.FileSelector(root, recursive=True, allow_not_found=True))
    prefix = uri[: len(uri) - len(root)] if "://" in uri else ""
    return sorted(prefix + i.path for i in infos if i.type == pafs.FileType.File)


def delete_tree(uri: str, within: Roots | None = None) -> int:
    """Remove the folder ``uri`` and everything in it; the number of files it held (confined
    like ``delete_file``: inside a root, never a root itself)."""
    _guard(uri, within)
    fs, root = filesystem(uri)
    files = list_files(uri)
    if fs.get_file_info(root).type == pafs.FileType.Directory:
        with contextlib.suppress(FileNotFoundError):  # an object store's folder may be empty
            fs.delete_dir(root)
    return len(files)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a local file, read in 1 MiB blocks (a recording may be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
