"""Files that are not Delta tables (audio, quarantined bytes, landing): pyarrow filesystems.

A location is a local path or an object-store URI; nothing here uses ``os.path``, so the audio
store can sit beside the Delta tables wherever they live.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.fs as pafs


def filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """pyarrow filesystem and in-filesystem path for a local path or a URI."""
    return pafs.FileSystem.from_uri(uri if "://" in uri else f"file://{uri}")


def write_bytes(uri: str, data: bytes) -> None:
    fs, path = filesystem(uri)
    fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    # Write beside, then move: a reader never sees half an audio file.
    tmp = f"{path}.partial"
    with fs.open_output_stream(tmp) as out:
        out.write(data)
    fs.move(tmp, path)


def read_bytes(uri: str) -> bytes:
    fs, path = filesystem(uri)
    with fs.open_input_file(path) as f:
        return f.read()


def delete_file(uri: str) -> None:
    fs, path = filesystem(uri)
    if fs.get_file_info(path).type == pafs.FileType.File:
        fs.delete_file(path)


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
    infos = fs.get_file_info(pafs.FileSelector(root, recursive=True))
    prefix = uri[: len(uri) - len(root)] if "://" in uri else ""
    return sorted(prefix + i.path for i in infos if i.type == pafs.FileType.File)


def delete_tree(uri: str) -> int:
    """Remove the folder ``uri`` and everything in it; the number of files it held."""
    fs, root = filesystem(uri)
    count = len(list_files(uri))
    if fs.get_file_info(root).type == pafs.FileType.Directory:
        fs.delete_dir(root)
    return count


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a local file, read in 1 MiB blocks (a recording may be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
