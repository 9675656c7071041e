"""The migration of clear data and the data-key rotation: nothing left in clear or under the old
key, nothing unreadable, a crash resumed by a rerun."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.synthetic_lakehouse import build
from transforms.core import reencrypt, storage
from transforms.core.crypto import DecryptionError
from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import CALLS, HUMAN_REVIEWS, SEGMENTS, TRANSCRIPTS

TENANTS = ["acme", "globex-energy"]


def _files_holding(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and path.name != "_last_checkpoint":
            data = path.read_bytes()
            found += [f"{path}: {n!r}" for n in needles if n in data]
    return found


def _needles(lh: Lakehouse) -> list[bytes]:
    """Clear words of the transcripts and comments, and a run of a recording's bytes."""
    texts = lh.read(TRANSCRIPTS, columns=["text"], decrypt=True)["text"].to_list()
    comments = lh.read(HUMAN_REVIEWS, columns=["comment"], decrypt=True)["comment"]
    phrase = [" ".join(t.split("] ", 1)[1].split()[:4]).encode() for t in texts[:5]]
    return [*phrase, *(c.encode() for c in comments.drop_nulls().to_list()[:3])]


def test_encrypt_existing_leaves_nothing_in_clear_and_everything_readable(
    ccr_home: Settings,
) -> None:
    build(ccr_home, TENANTS, calls_per_tenant=6)
    lh = Lakehouse.from_settings(ccr_home)
    before = {s.path: lh.read(s, decrypt=True).sort(s.key) for s in (TRANSCRIPTS, SEGMENTS)}
    needles = [*_needles(lh), b"synthetic recording"]
    assert _files_holding(Path(ccr_home.lakehouse), needles)  # the clear home
    for tenant in TENANTS:
        done = reencrypt.bring_under_current_key(lh, tenant)
        assert done.files and done.rows["silver/transcripts"] == 6
        assert reencrypt.survey(lh, tenant).left == 0
    assert _files_holding(Path(ccr_home.lakehouse), needles) == []
    for s in (TRANSCRIPTS, SEGMENTS):
        assert lh.read(s, decrypt=True).sort(s.key).equals(before[s.path])
    # a recording opens to its bytes
    uri = lh.locate(lh.read(CALLS, "acme", ["audio_uri"], resolve=False)["audio_uri"][0])
    assert b"synthetic recording" in lh.unseal("acme", storage.read_bytes(uri))
    # a rerun has nothing to do
    again = reencrypt.bring_under_current_key(lh, "acme")
    assert again.files == 0 and sum(again.rows.values()) == 0


def test_a_crashed_migration_resumes(ccr_home: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    build(ccr_home, ["acme"], calls_per_tenant=6)
    lh = Lakehouse.from_settings(ccr_home)
    real, calls = storage.write_bytes, {"n": 0}

    def crash_after_three(uri: str, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError("the disk went away")
        real(uri, data)

    monkeypatch.setattr(storage, "write_bytes", crash_after_three)
    with pytest.raises(OSError):
        reencrypt.bring_under_current_key(lh, "acme")
    monkeypatch.setattr(storage, "write_bytes", real)
    assert reencrypt.survey(lh, "acme").files > 0  # some files left, all readable
    reencrypt.bring_under_current_key(lh, "acme")
    assert reencrypt.survey(lh, "acme").left == 0
    assert lh.read(TRANSCRIPTS, decrypt=True).height == 6


def test_data_key_rotation_drops_the_old_key_and_keeps_data_readable(
    ccr_home: Settings, tmp_path: Path
) -> None:
    build(ccr_home, ["acme"], calls_per_tenant=4, encrypt=True)
    lh, keys = Lakehouse.from_settings(ccr_home), FileKeyStore(ccr_home.keys)
    before = lh.read(TRANSCRIPTS, decrypt=True).sort("call_uid")
    old = shutil.copytree(ccr_home.lakehouse, tmp_path / "copy-before-rotation")
    old_key = keys.data_keys("acme")[1][1]
    assert keys.add_data_key_version("acme") == 2
    reencrypt.bring_under_current_key(lh, "acme")
    assert reencrypt.survey(lh, "acme").left == 0
    assert keys.drop_data_key_versions("acme", 2) == [1]
    current, held = keys.data_keys("acme")
    assert current == 2 and list(held) == [2] and old_key not in held.values()
    fresh = Lakehouse.from_settings(ccr_home)
    assert fresh.read(TRANSCRIPTS, decrypt=True).sort("call_uid").equals(before)
    # the copy taken before the rotation is under version 1, which no longer exists
    with pytest.raises(DecryptionError, match="version 1"):
        Lakehouse(str(old), cipher=fresh.cipher).read(TRANSCRIPTS, decrypt=True)
