"""Storage takes names as paths: any Unicode (NFC or NFD), spaces, '#', '%', '?' — locally and
under an object-store URI (pyarrow's in-memory ``mock://`` filesystem stands in for S3)."""

from __future__ import annotations

import os
import unicodedata

import pytest

from transforms.core import storage

NAMES = [
    "appel-été n°1.mp3",
    unicodedata.normalize("NFD", "appel-été n°1.mp3"),
    "call #1 100% ?.wav",
    "a%20b.wav",
]


@pytest.mark.parametrize("root", ["local", "mock:///store"])
def test_object_store_paths_take_any_name(tmp_path, root):
    base = str(tmp_path / "store") if root == "local" else root
    for i, name in enumerate(NAMES):
        storage.write_bytes(storage.join(base, "tenant", name), f"{i}".encode())
    listed = {e.name: e for e in storage.list_entries(storage.join(base, "tenant"))}
    assert sorted(listed) == sorted(NAMES)
    for i, name in enumerate(NAMES):
        assert storage.read_bytes(listed[name].uri) == f"{i}".encode()
        assert listed[name].kind == "file" and listed[name].size == 1
    storage.delete_file(listed[NAMES[0]].uri)
    assert len(storage.list_entries(storage.join(base, "tenant"))) == len(NAMES) - 1


def test_a_link_is_listed_as_a_link_and_never_read(tmp_path):
    secret = tmp_path / "secret.key"
    secret.write_bytes(b"s" * 32)
    folder = tmp_path / "landing"
    folder.mkdir()
    os.symlink(secret, folder / "c.wav")
    os.mkfifo(folder / "f.wav")
    (folder / "big.wav").write_bytes(b"x" * 10)
    kinds = {e.name: e.kind for e in storage.list_entries(str(folder))}
    assert kinds == {"big.wav": "file", "c.wav": "symlink", "f.wav": "other"}
    with pytest.raises(storage.NotARegularFile):
        storage.read_bytes(str(folder / "c.wav"))
    with pytest.raises(storage.NotARegularFile):  # and a FIFO does not block the open
        storage.read_bytes(str(folder / "f.wav"))
    with pytest.raises(storage.FileTooLarge):
        storage.read_bytes(str(folder / "big.wav"), max_bytes=9)
    storage.delete_file(str(folder / "c.wav"))
    assert secret.read_bytes() == b"s" * 32  # removing the link leaves its target


def test_a_name_that_is_not_utf8_is_listed_not_fatal(tmp_path):
    (tmp_path / os.fsdecode(b"f\xe9.wav")).write_bytes(b"x")
    (entry,) = storage.list_entries(str(tmp_path))
    assert os.fsencode(entry.name) == b"f\xe9.wav" and storage.read_bytes(entry.uri) == b"x"


def test_a_write_leaves_no_temporary_file_and_a_long_name_fits(tmp_path):
    name = "é" * 127  # 254 bytes: a suffix on the name itself would pass the 255-byte limit
    storage.write_bytes(str(tmp_path / name), b"data")
    assert os.listdir(tmp_path) == [name]
