"""Encryption at rest with the lakehouse on S3 (SeaweedFS on loopback): the objects hold
ciphertext only, every version of them, and delta-rs sends the server-side encryption header
when ``CCR_S3_SSE`` asks for it. What SeaweedFS cannot show: a store encrypting what it is asked
to (without a KMS configured it refuses such a PUT; docs/encryption.md)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.s3.test_lakehouse_s3 import holding
from tests.unit.core.test_crypto import _transcript
from transforms.core import object_store, storage
from transforms.core.crypto import SEAL_MAGIC
from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.settings import Settings
from transforms.core.tables import TRANSCRIPTS


@pytest.fixture
def home(s3_home: Settings) -> Settings:
    """The S3 home with keys for tenant ``acme`` (not in the shipped registry)."""
    FileKeyStore(s3_home.keys).create("acme")
    return s3_home


def test_objects_on_the_bucket_hold_ciphertext_only(home: Settings):
    s3_home = home
    lh = Lakehouse.from_settings(s3_home)
    lh.merge(TRANSCRIPTS, conform(TRANSCRIPTS, [_transcript("acme", "u1", "quokka sandwich")]))
    assert holding(s3_home.lakehouse, "quokka") == []  # every version of every object
    assert lh.read(TRANSCRIPTS, decrypt=True)["text"][0] == "quokka sandwich"
    uri = f"{s3_home.lakehouse}/audio/acme/ab/recording.wav"
    storage.write_bytes(uri, lh.seal("acme", b"RIFF quokka recording"))
    assert storage.read_bytes(uri).startswith(SEAL_MAGIC)
    assert holding(s3_home.lakehouse, "quokka recording") == []
    assert lh.unseal("acme", storage.read_bytes(uri)) == b"RIFF quokka recording"


@pytest.mark.parametrize("sse", ["AES256", "aws:kms"])
def test_delta_writes_ask_for_server_side_encryption(home: Settings, monkeypatch, sse):
    s3_home = home
    config = dataclasses.replace(s3_home.object_store, sse=sse)
    options = object_store.delta_options(config)
    assert options["AWS_SERVER_SIDE_ENCRYPTION"] == sse
    lh = Lakehouse.from_settings(s3_home)
    lh.merge(TRANSCRIPTS, conform(TRANSCRIPTS, [_transcript("acme", "u-plain", "x")]))
    # the header reaches the store: SeaweedFS, with no KMS configured, answers a PUT that asks
    # for SSE with a 500 (AWS S3 encrypts the object instead); the same write without it passed
    monkeypatch.setattr(object_store, "_CONFIGURED", [config])
    with pytest.raises(Exception, match=r"500 Internal Server Error"):
        lh.merge(TRANSCRIPTS, conform(TRANSCRIPTS, [_transcript("acme", f"u-{sse}", "x")]))


def test_an_unknown_sse_mode_is_refused(s3_home: Settings):
    config = dataclasses.replace(s3_home.object_store, sse="rot13")
    with pytest.raises(ValueError, match="AES256"):
        object_store.delta_options(config)
