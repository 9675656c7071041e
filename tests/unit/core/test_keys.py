"""The key store fails closed: every state a key file can be in, and what processing gets."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from transforms.core.keys import KEY_BYTES, FileKeyStore, KeyStoreError

T = "acme-telecom"


@pytest.fixture
def store(tmp_path) -> FileKeyStore:
    return FileKeyStore(tmp_path / "keys")


def test_a_created_key_is_32_random_private_bytes(store, tmp_path):
    store.create(T)
    key = store.secret(T)
    assert len(key) == KEY_BYTES and key != bytes(KEY_BYTES)
    assert stat.S_IMODE((tmp_path / "keys" / f"{T}.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert store.status(T) == "ok"
    assert not [p for p in (tmp_path / "keys").iterdir() if p.name.endswith(".tmp")]


def test_a_missing_key_is_never_minted_on_use(store, tmp_path):
    with pytest.raises(KeyStoreError, match=f"ccr keys create {T}"):
        store.secret(T)
    assert store.status(T) == "missing"
    assert not (tmp_path / "keys" / f"{T}.key").exists()


@pytest.mark.parametrize("content", [b"", b"abc", b"x" * (KEY_BYTES - 1)])
def test_a_short_key_is_refused(store, tmp_path, content):
    store.create(T)
    (tmp_path / "keys" / f"{T}.key").write_bytes(content)
    with pytest.raises(KeyStoreError, match=f"{len(content)} bytes") as exc:
        store.secret(T)
    assert content.hex() not in str(exc.value) or not content
    assert store.status(T).startswith("unusable")


@pytest.mark.parametrize(("target", "mode"), [("file", 0o644), ("file", 0o640), ("dir", 0o755)])
def test_a_key_readable_by_others_is_refused(store, tmp_path, target, mode):
    store.create(T)
    path = tmp_path / "keys" / (f"{T}.key" if target == "file" else "")
    os.chmod(path, mode)
    with pytest.raises(KeyStoreError, match="open to other users"):
        store.secret(T)


def test_a_destroyed_key_leaves_a_tombstone_and_is_never_recreated(store, tmp_path):
    store.create(T)
    store.destroy(T)
    assert not (tmp_path / "keys" / f"{T}.key").exists()
    assert store.status(T) == "destroyed"
    with pytest.raises(KeyStoreError, match="destroyed"):
        store.secret(T)
    with pytest.raises(KeyStoreError, match="never re-created"):
        store.create(T)
    assert not (tmp_path / "keys" / f"{T}.key").exists()


def test_an_existing_key_is_never_replaced_even_by_racing_creators(store, tmp_path):
    def create(_: int) -> bool:
        try:
            store.create(T)
            return True
        except KeyStoreError:
            return False

    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(create, range(8))) == 1
    first = store.secret(T)
    with pytest.raises(KeyStoreError, match="never replaced"):
        store.create(T)
    assert store.secret(T) == first


def test_bad_tenant_ids_are_refused(store):
    with pytest.raises(ValueError, match="lower-case"):
        store.create("../other")
