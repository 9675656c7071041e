"""Landing names: which are text, how they are shown, the batch ids and object names made."""

import os
import unicodedata

import pytest

from transforms.ingest import names
from transforms.ingest.landing import split_partition_key


@pytest.mark.parametrize(
    ("name", "text", "shown"),
    [
        ("appel-été n°1.mp3", True, "appel-été n°1.mp3"),
        (unicodedata.normalize("NFD", "é.wav"), True, unicodedata.normalize("NFD", "é.wav")),
        ("call #1 100% ?.wav", True, "call #1 100% ?.wav"),
        (os.fsdecode(b"f\xe9.wav"), False, "f\\xe9.wav"),
        ("a\nb.wav", False, "a\\nb.wav"),
        ("evil\u202e3pm.wav", False, "evil\\u202e3pm.wav"),
        ("+33 6 39 98 01 23.wav", True, "+xx x xx xx xx xx.wav"),
    ],
)
def test_text_and_display(name, text, shown):
    assert names.is_text(name) is text
    assert names.display(name) == shown


def test_batch_ids_keep_ordinary_names_and_derive_the_others():
    odd = ["lot-été", unicodedata.normalize("NFD", "lot-été"), "a__b", "x...y", "+33639980123"]
    ids = names.batch_ids(["2026-11-05", *odd])
    assert ids["2026-11-05"] == "2026-11-05"
    assert ids["lot-été"].startswith("lot-ete~") and ids["+33639980123"].startswith("xxxxxxxxxxx~")
    assert len(set(ids.values())) == len(ids)  # NFC and NFD folders get ids of their own
    for batch_id in ids.values():
        assert split_partition_key(f"acme-telecom__{batch_id}") == ("acme-telecom", batch_id)
        assert "..." not in batch_id and "__" not in batch_id


def test_names_that_display_alike_get_distinct_ids():
    ids = names.batch_ids(["+33639980123", "+33639980124"])  # both display as +xxxxxxxxxxx
    assert sorted(ids.values())[0] + "-2" == sorted(ids.values())[1]


def test_tenant_folders_are_ascii_tenant_ids_without_numbers():
    assert names.is_tenant_folder("acme-telecom")
    assert not names.is_tenant_folder("acmé-telecom")
    assert not names.is_tenant_folder("аcme-telecom")  # Cyrillic а
    assert not names.is_tenant_folder("0639980123")


@pytest.mark.parametrize("name", ["x" * 250, "é" * 127, "+33 6 39 98 01 23" + "é" * 110])
def test_object_names_fit_the_file_system_and_stay_distinct(name):
    sha = "ab" * 32
    made = names.object_name(name, sha)
    assert len(os.fsencode(made)) <= names.NAME_MAX_BYTES and made.startswith(sha[:12])
    assert "39 98" not in made
    assert names.object_name(name + "x", sha) != made


def test_unattributed_folders_never_share_a_partition(tmp_path):
    from transforms.ingest.landing import scan_landing

    for tenant in ("0639980123", "0639980124", "acmé"):  # all display as xxxxxxxxxx or are bad
        (tmp_path / tenant / "b1").mkdir(parents=True)
    os.symlink(tmp_path / "acmé", tmp_path / "linked")
    keys = [b.partition_key for b in scan_landing(str(tmp_path)).batches]
    assert len(keys) == len(set(keys)) == 4
    assert all(k.startswith(f"{names.UNATTRIBUTED}__") for k in keys)
    assert not any("0639980123" in k for k in keys)
