"""Stored locations are relative to the lakehouse root, and nothing outside the configured roots
is ever followed or deleted: tried with absolute values from another home, ``..``, links and
URIs, and a migration run twice."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from deltalake import write_deltalake

from tests.row_fixtures import call
from transforms.core import storage
from transforms.core.lakehouse import Lakehouse, LocationError, conform
from transforms.core.tables import CALLS


def test_a_location_is_stored_relative_and_read_under_the_root_in_force(tmp_path):
    lh = Lakehouse(str(tmp_path / "lake"))
    row = call("u1", "acme", None, "a", 2) | {"audio_uri": f"{lh.root}/audio/acme/ab/x.wav"}
    lh.merge(CALLS, conform(CALLS, [row]))
    assert lh.read(CALLS, resolve=False)["audio_uri"][0] == "audio/acme/ab/x.wav"
    assert lh.read(CALLS)["audio_uri"][0] == f"{lh.root}/audio/acme/ab/x.wav"
    moved = Lakehouse(str(tmp_path / "elsewhere"))  # the same table read under another root
    os.rename(lh.root, moved.root)
    assert moved.read(CALLS)["audio_uri"][0] == f"{moved.root}/audio/acme/ab/x.wav"


def test_a_location_climbing_out_of_the_root_is_never_stored_nor_followed(tmp_path):
    lh = Lakehouse(str(tmp_path / "lake"))
    row = call("u1", "acme", None, "a", 2) | {"audio_uri": "audio/../../../etc/passwd"}
    with pytest.raises(LocationError):
        lh.merge(CALLS, conform(CALLS, [row]))
    with pytest.raises(LocationError):
        lh.locate("audio/../../secret")
    with pytest.raises(storage.OutsideRoots):
        lh.locate(f"{lh.root}/../outside.wav")


def legacy(lh: Lakehouse, audio: list[str]) -> None:
    """Rows as main wrote them: absolute paths, straight into the table."""
    rows = [call(f"u{i}", "acme", None, "a", 2) | {"audio_uri": a} for i, a in enumerate(audio)]
    lh.ensure(CALLS)
    write_deltalake(lh.uri(CALLS), conform(CALLS, rows), mode="append")


def test_legacy_absolute_locations_resolve_under_the_root_and_are_refused_outside(tmp_path):
    lh = Lakehouse(str(tmp_path / "lake"))
    mine = f"{lh.root}/audio/acme/ab/mine.wav"
    theirs = str(tmp_path / "original" / "lake" / "audio" / "acme" / "cd" / "theirs.wav")
    legacy(lh, [mine, theirs, f"file://{lh.root}/audio/acme/ef/uri.wav"])
    assert lh.locate(mine) == mine
    with pytest.raises(storage.OutsideRoots, match=str(tmp_path / "lake")):
        lh.locate(theirs)
    with pytest.raises(storage.OutsideRoots, match="1 stored locations lie outside"):
        lh.locate_all(lh.read(CALLS)["audio_uri"].to_list())


def test_the_migration_rewrites_under_the_root_and_from_named_roots_and_is_idempotent(tmp_path):
    lh = Lakehouse(str(tmp_path / "lake"))
    old = str(tmp_path / "original's lake é")
    legacy(
        lh,
        [
            f"{lh.root}/audio/acme/ab/a.wav",
            f"file://{lh.root}/audio/acme/ab/b.wav",
            f"{old}/audio/acme/cd/c.wav",
            "/somewhere/else/d.wav",
            "audio/acme/ef/e.wav",
        ],
    )
    first = lh.migrate_locations()
    assert first["bronze.calls"] == {"rewritten": 2, "outside": 2}
    second = lh.migrate_locations([old])
    assert second["bronze.calls"] == {"rewritten": 1, "outside": 1}
    assert lh.migrate_locations([old])["bronze.calls"] == {"rewritten": 0, "outside": 1}
    stored = sorted(lh.read(CALLS, resolve=False)["audio_uri"])
    assert stored == [
        "/somewhere/else/d.wav",
        "audio/acme/ab/a.wav",
        "audio/acme/ab/b.wav",
        "audio/acme/cd/c.wav",
        "audio/acme/ef/e.wav",
    ]


def test_a_deletion_outside_the_roots_is_refused_naming_the_root_and_deletes_nothing(tmp_path):
    home, other = tmp_path / "home", tmp_path / "other"
    (home / "lakehouse" / "audio").mkdir(parents=True)
    (other / "lakehouse" / "audio").mkdir(parents=True)
    victim = other / "lakehouse" / "audio" / "x.wav"
    victim.write_bytes(b"theirs")
    (other / "lakehouse" / "audio" / "sub").mkdir()
    roots = storage.Roots.of(home / "lakehouse", home)
    attempts = [
        str(victim),
        f"file://{victim}",
        f"{home}/lakehouse/../../other/lakehouse/audio/x.wav",
        str(other / "lakehouse" / "audio" / "sub"),
    ]
    for uri in attempts:
        with pytest.raises(storage.OutsideRoots, match=str(home / "lakehouse")):
            storage.delete_file(uri, roots)
        with pytest.raises(storage.OutsideRoots):
            storage.delete_tree(uri, roots)
    # a link inside the root to a folder outside it does not carry a deletion out
    os.symlink(other / "lakehouse" / "audio", home / "lakehouse" / "audio" / "link")
    with pytest.raises(storage.OutsideRoots):
        storage.delete_file(str(home / "lakehouse" / "audio" / "link" / "x.wav"), roots)
    with pytest.raises(storage.OutsideRoots):  # nor the root itself
        storage.delete_tree(str(home), roots)
    assert victim.read_bytes() == b"theirs"
    mine = home / "lakehouse" / "audio" / "m.wav"
    mine.write_bytes(b"mine")
    storage.delete_file(str(mine), roots)
    storage.delete_file(str(home / "lakehouse" / "audio" / "link"), roots)  # the link, not them
    assert not mine.exists() and victim.exists()


def test_the_process_roots_confine_deletions_that_name_none(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    storage.configure_roots(storage.Roots.of(tmp_path / "home"))
    with pytest.raises(storage.OutsideRoots):
        storage.delete_file(str(outside))
    assert outside.exists()


def test_s3_roots_compare_keys_not_strings(tmp_path):
    roots = storage.Roots.of("s3://bucket/lake")
    assert roots.holding("s3://bucket/lake/audio/t/x.wav") == "s3://bucket/lake"
    for uri in (
        "s3://bucket/lake-other/audio/x.wav",
        "s3://bucket/lake/../other/x.wav",
        "s3://other-bucket/lake/x.wav",
    ):
        with pytest.raises(storage.OutsideRoots):
            roots.check(uri)
    assert Path(tmp_path).exists()


def test_a_run_confines_its_deletions_to_its_home_and_leaves_the_process_as_it_was(tmp_path):
    import dagster as dg

    from orchestration.lib.resources import SettingsResource

    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    resource = SettingsResource(ccr_home=str(tmp_path / "home"))
    context = dg.build_init_resource_context()
    resource.setup_for_execution(context)
    try:
        with pytest.raises(storage.OutsideRoots):
            storage.delete_file(str(outside))  # what a step's landing clean-up calls
    finally:
        resource.teardown_after_execution(context)
    assert storage.configured_roots() is None and outside.exists()
