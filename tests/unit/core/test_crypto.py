"""Envelope encryption per tenant: what each guarantee promises, and attempts to break it."""

from __future__ import annotations

import stat
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

from transforms.core.crypto import (
    DecryptionError,
    TenantCipher,
    is_ciphertext,
    object_aad,
    value_aad,
)
from transforms.core.keys import FileKeyStore, KeyStoreError
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.tables import HUMAN_REVIEWS, SEGMENTS, TRANSCRIPTS


@pytest.fixture
def store(tmp_path: Path) -> FileKeyStore:
    keys = FileKeyStore(tmp_path / "keys")
    keys.create_kek()
    keys.create("acme")
    keys.create("globex")
    return keys


def test_keys_are_private_and_never_minted_by_use(tmp_path: Path) -> None:
    keys = FileKeyStore(tmp_path / "keys")
    with pytest.raises(KeyStoreError, match="ccr keys create --kek"):
        keys.create_data_key("acme")
    keys.create_kek()
    with pytest.raises(KeyStoreError, match="ccr keys create acme"):
        keys.data_keys("acme")  # use never creates
    assert not (tmp_path / "keys" / "acme.dek").exists()
    keys.create("acme")
    for name in ("data-keys.kek", "acme.dek"):
        assert stat.S_IMODE((tmp_path / "keys" / name).stat().st_mode) == 0o600
    with pytest.raises(KeyStoreError, match="rotate"):
        keys.create_data_key("acme")
    with pytest.raises(KeyStoreError, match="rotate"):
        keys.create_kek()
    (tmp_path / "keys" / "acme.dek").chmod(0o644)  # another user could read the wrapped key
    with pytest.raises(KeyStoreError, match="open to other users"):
        keys.data_keys("acme")


def test_wrapped_key_file_holds_no_key(store: FileKeyStore, tmp_path: Path) -> None:
    _, keys = store.data_keys("acme")
    stored = (tmp_path / "keys" / "acme.dek").read_bytes()
    assert keys[1] not in stored and keys[1].hex().encode() not in stored


def test_value_bound_to_tenant_table_column_and_row(store: FileKeyStore) -> None:
    cipher = TenantCipher(store)
    aad = value_aad("acme", "silver/transcripts", "text", ("uid1", "m"))
    stored = cipher.encrypt_value("acme", aad, "my card number is four two")
    assert is_ciphertext(stored) and "card" not in stored
    assert cipher.decrypt_value("acme", aad, stored) == "my card number is four two"
    elsewhere = [
        value_aad("globex", "silver/transcripts", "text", ("uid1", "m")),
        value_aad("acme", "silver/transcript_segments", "text", ("uid1", "m")),
        value_aad("acme", "silver/transcripts", "customer_text", ("uid1", "m")),
        value_aad("acme", "silver/transcripts", "text", ("uid2", "m")),
    ]
    for other in elsewhere:
        with pytest.raises(DecryptionError):
            cipher.decrypt_value("acme", other, stored)
    with pytest.raises(DecryptionError):  # another tenant's key
        cipher.decrypt_value("globex", elsewhere[0], stored)
    edited = stored[:-3] + ("A" if stored[-3] != "A" else "B") + stored[-2:]
    with pytest.raises(DecryptionError):
        cipher.decrypt_value("acme", aad, edited)


@pytest.mark.parametrize("size", [0, 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 5])
def test_sealed_objects_round_trip_and_refuse_tampering(store: FileKeyStore, size: int) -> None:
    cipher, aad = TenantCipher(store), object_aad("acme", "object", "")
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    sealed = cipher.seal_bytes("acme", aad, data)
    assert data[:64] not in sealed or size < 64
    assert cipher.open_bytes("acme", aad, sealed) == data
    with pytest.raises(DecryptionError):
        cipher.open_bytes("acme", aad, sealed[:-1])  # truncated
    with pytest.raises(DecryptionError):
        cipher.open_bytes("globex", object_aad("globex", "object", ""), sealed)
    if size > 1 << 20:  # a file cut at a chunk boundary fails too (the last chunk is marked)
        with pytest.raises(DecryptionError):
            cipher.open_bytes("acme", aad, sealed[: 8 + 4 + 7 + (1 << 20) + 16])


def test_kek_rotation_keeps_data_readable_and_the_old_kek_gone(
    store: FileKeyStore, tmp_path: Path
) -> None:
    cipher = TenantCipher(store)
    aad = value_aad("acme", "t", "c", ("k",))
    stored = cipher.encrypt_value("acme", aad, "kept")
    old_kek = (tmp_path / "keys" / "data-keys.kek").read_bytes()
    old_wrapped = (tmp_path / "keys" / "acme.dek").read_bytes()
    assert store.rotate_kek() == 2
    new_kek = (tmp_path / "keys" / "data-keys.kek").read_bytes()
    assert new_kek != old_kek and not (tmp_path / "keys" / "data-keys.kek.next").exists()
    assert (tmp_path / "keys" / "acme.dek").read_bytes() != old_wrapped
    assert TenantCipher(store).decrypt_value("acme", aad, stored) == "kept"
    # the old wrapped key does not open under the new KEK: it is gone, not merely superseded
    (tmp_path / "keys" / "acme.dek").write_bytes(old_wrapped)
    with pytest.raises(KeyStoreError, match="does not hold"):
        store.data_keys("acme")


def test_kek_rotation_resumes_after_a_crash(store: FileKeyStore, tmp_path: Path) -> None:
    cipher = TenantCipher(store)
    aad = value_aad("globex", "t", "c", ("k",))
    stored = cipher.encrypt_value("globex", aad, "kept")
    # a crash after the successor was written and one tenant re-wrapped
    from transforms.core import keys as keys_module

    nxt = tmp_path / "keys" / "data-keys.kek.next"
    keys_module.write_atomically(nxt, b"n" * 32, replace=False)
    current, wrapped = store.data_keys("acme")
    store._write_dek("acme", wrapped, current)  # re-wrapped under the successor
    assert TenantCipher(store).decrypt_value("globex", aad, stored) == "kept"  # mid-rotation
    store.rotate_kek()
    assert TenantCipher(store).decrypt_value("globex", aad, stored) == "kept"
    assert store.data_key_status("acme") == "ok"


def test_destroy_shreds_the_data_key(store: FileKeyStore, tmp_path: Path) -> None:
    cipher = TenantCipher(store)
    aad = value_aad("acme", "t", "c", ("k",))
    stored = cipher.encrypt_value("acme", aad, "secret words")
    store.destroy("acme")
    assert not (tmp_path / "keys" / "acme.dek").exists()
    assert store.data_key_destroyed("acme") and store.data_key_status("acme") == "destroyed"
    with pytest.raises(KeyStoreError, match="destroyed"):
        TenantCipher(store).decrypt_value("acme", aad, stored)
    with pytest.raises(KeyStoreError, match="destroyed"):
        store.create_data_key("acme")


def _full(spec, row: dict) -> dict:
    """A row of ``spec`` with the columns a test does not care about null (or a zero where the
    contract requires a value)."""
    out: dict = {}
    for f in spec.schema:
        if f.nullable:
            out[f.name] = None
        elif pa.types.is_timestamp(f.type):
            out[f.name] = datetime(2026, 1, 1, tzinfo=UTC)
        elif pa.types.is_date(f.type):
            out[f.name] = date(2026, 1, 1)
        elif pa.types.is_boolean(f.type):
            out[f.name] = False
        elif pa.types.is_string(f.type):
            out[f.name] = "x"
        elif pa.types.is_list(f.type):
            out[f.name] = []
        else:
            out[f.name] = 0
    return out | row


def _transcript(tenant: str, uid: str, text: str) -> dict:
    return _full(
        TRANSCRIPTS,
        {
            "tenant_id": tenant,
            "call_uid": uid,
            "call_id": f"c-{uid}",
            "model_id": "m",
            "audio_sha256": "0" * 64,
            "language": "en",
            "duration_s": 1.0,
            "text": text,
            "agent_text": text,
            "customer_text": text,
            "language_probability": 0.99,
            "speaker_method": "declared_layout",
            "language_source": "declared",
            "quality": "ok",
            "confidence": 0.9,
            "real_time_factor": 12.0,
            "transcribe_seconds": 5.0,
        },
    )


def test_lakehouse_stores_ciphertext_and_decrypts_only_on_request(
    store: FileKeyStore, tmp_path: Path
) -> None:
    lh = Lakehouse(str(tmp_path / "lake"), cipher=TenantCipher(store))
    lh.merge(TRANSCRIPTS, conform(TRANSCRIPTS, [_transcript("acme", "u1", "hello my secret")]))
    stored = lh.read(TRANSCRIPTS)
    assert is_ciphertext(stored["text"][0]) and "secret" not in stored["text"][0]
    assert lh.read(TRANSCRIPTS, decrypt=True)["text"][0] == "hello my secret"
    # writing back rows read as ciphertext does not encrypt them twice
    lh.merge(TRANSCRIPTS, conform(TRANSCRIPTS, stored.to_dicts()), update=True)
    assert lh.read(TRANSCRIPTS, decrypt=True)["text"][0] == "hello my secret"
    for path in (tmp_path / "lake").rglob("*"):
        if path.is_file():
            assert b"secret" not in path.read_bytes(), path


def test_a_value_moved_to_another_row_or_tenant_does_not_decrypt(
    store: FileKeyStore, tmp_path: Path
) -> None:
    lh = Lakehouse(str(tmp_path / "lake"), cipher=TenantCipher(store))
    rows = [_transcript("acme", "u1", "first"), _transcript("acme", "u2", "second")]
    lh.merge(TRANSCRIPTS, conform(TRANSCRIPTS, rows))
    stored = lh.read(TRANSCRIPTS).sort("call_uid")
    swapped = stored.with_columns(pl.col("text").reverse())
    # an attacker with write access to the files swaps two rows' text (a raw Delta write)
    from deltalake import write_deltalake

    write_deltalake(lh.uri(TRANSCRIPTS), swapped.to_arrow(), mode="overwrite")
    with pytest.raises(DecryptionError):
        lh.read(TRANSCRIPTS, decrypt=True)
    moved = stored.with_columns(pl.lit("globex").alias("tenant_id"))
    write_deltalake(lh.uri(TRANSCRIPTS), moved.to_arrow(), mode="overwrite")
    with pytest.raises(DecryptionError):
        lh.read(TRANSCRIPTS, decrypt=True)


def test_segment_words_and_review_comments_are_encrypted(
    store: FileKeyStore, tmp_path: Path
) -> None:
    lh = Lakehouse(str(tmp_path / "lake"), cipher=TenantCipher(store))
    segment = {
        "tenant_id": "acme",
        "call_uid": "u1",
        "model_id": "m",
        "segment_index": 0,
        "speaker": "agent",
        "channel": 0,
        "avg_logprob": -0.2,
        "no_speech_prob": 0.01,
        "flag": False,
        "start_s": 0.0,
        "end_s": 1.0,
        "text": "zanzibar pineapple",
        "words": [
            {"word": "zanzibar", "start_s": 0.0, "end_s": 0.5, "probability": 0.9},
            {"word": "pineapple", "start_s": 0.5, "end_s": 1.0, "probability": 0.9},
        ],
    }
    lh.merge(SEGMENTS, conform(SEGMENTS, [_full(SEGMENTS, segment)]))
    review = {
        "tenant_id": "acme",
        "review_id": "0" * 32,
        "call_uid": "u1",
        "call_id": "c1",
        "scorecard_id": "card",
        "scorecard_version": "1",
        "criterion_id": "greet",
        "reviewer_id": "rev1",
        "source": "test",
        "kind": "review",
        "comment": "agent mentioned quokka",
    }
    lh.merge(HUMAN_REVIEWS, conform(HUMAN_REVIEWS, [_full(HUMAN_REVIEWS, review)]))
    for path in (tmp_path / "lake").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"zanzibar" not in data and b"pineapple" not in data and b"quokka" not in data
    words = lh.read(SEGMENTS, decrypt=True)["words"][0].to_list()
    assert [w["word"] for w in words] == ["zanzibar", "pineapple"]
    assert words[1]["end_s"] == 1.0
    assert lh.read(HUMAN_REVIEWS, decrypt=True)["comment"][0] == "agent mentioned quokka"


def test_every_free_text_column_of_the_contracts_is_encrypted():
    """A column added later (issue 26's unprimed quote and words) is encrypted or this fails:
    every lakehouse column whose contract classes it as a direct identifier or special-category
    data and holds text (a string, or a list of words) is in ENCRYPTED_COLUMNS; locations of
    objects are not text (the objects they name are sealed)."""
    from transforms.core.contracts import load_contracts
    from transforms.core.crypto import ENCRYPTED_COLUMNS

    expected: dict[str, set[str]] = {}
    for contract in load_contracts().values():
        if contract.layer not in ("bronze", "silver"):
            continue
        for column in contract.columns:
            if (
                column.pii_class in ("direct_identifier", "special_category")
                and column.logical_type in ("string", "array")
                and not column.object_uri
            ):
                expected.setdefault(f"{contract.layer}/{contract.table}", set()).add(column.name)
    assert expected == {path: set(columns) for path, columns in ENCRYPTED_COLUMNS.items()}


def test_the_product_opens_the_lakehouse_only_with_its_key_store() -> None:
    """A ``Lakehouse`` built directly has no cipher and writes free text in clear: only tests and
    benchmarks may; every module of the product goes through ``Lakehouse.from_settings`` (which
    also refuses a home whose restore did not finish)."""
    import ast

    repo = Path(__file__).resolve().parents[3]
    offenders = []
    for root in ("transforms", "orchestration"):
        for path in sorted((repo / root).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call):
                    called = node.func
                    name = called.attr if isinstance(called, ast.Attribute) else None
                    name = called.id if isinstance(called, ast.Name) else name
                    if name == "Lakehouse":
                        offenders.append(f"{path.relative_to(repo)}:{node.lineno}")
    assert offenders == []
