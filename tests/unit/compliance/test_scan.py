"""The residual scan finds a needle wherever bytes can hide it, and proves it can (the canary)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from transforms.compliance import scan as scan_module
from transforms.compliance.scan import scan

NEEDLE = "zorblax quintessential wobble"


def test_a_clean_folder_passes_and_the_canary_is_found_then_removed(tmp_path):
    (tmp_path / "a.json").write_text('{"nothing": "here"}')
    report = scan([tmp_path], {NEEDLE: "phrase"})
    assert report.passed and report.canary_found and report.hits == []
    assert report.files >= 3  # a.json and the two canaries
    assert not list((tmp_path / "compliance" / ".scan-canary").iterdir())


@pytest.mark.parametrize("where", ["raw", "parquet", "duckdb", "name"])
def test_a_needle_is_found_in_raw_bytes_compressed_parquet_duckdb_and_file_names(tmp_path, where):
    if where == "raw":
        (tmp_path / "log.txt").write_bytes(b"\x00\x01 ... " + NEEDLE.upper().encode() + b" ...")
    elif where == "parquet":
        table = pa.table({"text": [f"said {NEEDLE} twice"] * 50, "n": list(range(50))})
        pq.write_table(table, tmp_path / "part.parquet", compression="gzip", write_statistics=False)
        assert NEEDLE.encode() not in (tmp_path / "part.parquet").read_bytes()  # hidden
    elif where == "duckdb":
        with duckdb.connect(str(tmp_path / "kpis.duckdb")) as con:
            con.execute(
                "create table t as select 'x' || i || ' " + NEEDLE + "' as s from range(5000) r(i)"
            )
    else:
        (tmp_path / f"1234-{NEEDLE.replace(' ', '-')}.mp3").write_bytes(b"ID3")
    needle = NEEDLE.replace(" ", "-") if where == "name" else NEEDLE
    report = scan([tmp_path], {needle: "phrase"})
    assert not report.passed
    assert {h.seen_in for h in report.hits} >= {where}
    # the report never carries the needle, not even in a path
    assert needle not in str(report.as_dict())


def test_the_scan_fails_when_the_canary_is_not_found(tmp_path, monkeypatch):
    monkeypatch.setattr(scan_module, "_plant", lambda root, marker: [])
    report = scan([tmp_path], {NEEDLE: "phrase"})
    assert report.hits == [] and not report.canary_found and not report.passed


def test_short_needles_are_counted_not_searched(tmp_path):
    (tmp_path / "x.txt").write_text("a01 a01 a01")
    report = scan([tmp_path], {"a01": "agent_id", "a-long-agent-01": "agent_id"})
    assert report.passed and report.skipped_short == 1 and report.needles == {"agent_id": 1}


def test_a_needle_across_a_block_boundary_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr(scan_module, "BATCH", 1024)
    monkeypatch.setattr(scan_module, "BLOCK", 4096)
    data = b"x" * (4096 - 10) + NEEDLE.encode() + b"y" * 5000
    Path(tmp_path / "big.bin").write_bytes(data)
    assert not scan([tmp_path], {NEEDLE: "phrase"}).passed


def test_another_path_to_bytes_already_read_is_not_read_again_but_gets_their_hits(tmp_path):
    """A published database is a hard link to one slot and the other slot a copy of it: the
    bytes are decoded once, and a needle in them is reported for every path that holds them
    (an attacker's hard link or identical copy is found as the original is)."""
    original = tmp_path / "t.duckdb"
    with duckdb.connect(str(original)) as con:
        con.execute(
            "create table t as select 'x' || i || ' " + NEEDLE + "' as s from range(500) r(i)"
        )
    (tmp_path / "link.duckdb").hardlink_to(original)
    (tmp_path / "copy.duckdb").write_bytes(original.read_bytes())
    packed = tmp_path / "part.parquet"
    table = pa.table({"text": [f"said {NEEDLE} twice"] * 50})
    pq.write_table(table, packed, compression="gzip", write_statistics=False)
    (tmp_path / "same.parquet").write_bytes(packed.read_bytes())
    report = scan([tmp_path], {NEEDLE: "phrase"}, plant_canary=False)
    assert report.duckdb_files == 1 and report.parquet_files == 1
    assert report.files_same_as_read == 3 and report.files == 5
    seen = {(h.path.rsplit("/", 1)[-1], h.seen_in) for h in report.hits}
    for name in ("t.duckdb", "link.duckdb", "copy.duckdb"):
        assert (name, "duckdb") in seen, seen
    assert {("part.parquet", "parquet"), ("same.parquet", "parquet")} <= seen


def test_a_sealed_file_is_searched_in_clear_and_one_that_does_not_open_as_it_is(tmp_path):
    """Bytes sealed with a tenant's key are searched once opened (their ciphertext can hold a
    needle only by chance); bytes that merely start like a sealed file are searched raw."""
    clear = f"tags: {NEEDLE}".encode()
    sealed = scan_module.SEAL_MAGIC + b"\x00" * 40
    (tmp_path / "sealed.bin").write_bytes(sealed)
    (tmp_path / "fake.bin").write_bytes(scan_module.SEAL_MAGIC + b" " + NEEDLE.encode())
    report = scan(
        [tmp_path],
        {NEEDLE: "phrase"},
        plant_canary=False,
        opener=lambda data: clear if data == sealed else None,
    )
    assert {(h.path.rsplit("/", 1)[-1], h.seen_in) for h in report.hits} == {
        ("sealed.bin", "raw"),
        ("fake.bin", "raw"),
    }
