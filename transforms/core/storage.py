"""Files that are not Delta tables (audio, quarantined bytes, landing): pyarrow filesystems.

A location is a local path or an object-store URI; nothing here uses ``os.path``, so the audio
store can sit beside the Delta tables wherever they live.
"""

from __future__ import annotations

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
