"""The residual scan over a versioned bucket: old versions and delete markers are read, the
canary planted in the bucket must be found, and erasure's clean-up leaves no old version."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from transforms.compliance import scan as scan_module
from transforms.compliance.erasure import forget_object_versions
from transforms.compliance.scan import scan
from transforms.core import object_store, storage
from transforms.core.settings import Settings

NEEDLE = "zorglub-caller-0612345678"


def test_a_deleted_object_is_still_found_in_its_old_version_until_versions_are_forgotten(
    s3_home: Settings,
):
    lake = s3_home.lakehouse
    storage.write_bytes(f"{lake}/audio/t1/ab/one.txt", f"said {NEEDLE} here".encode())
    # compressed Parquet: only decoding finds it
    fs, path = storage.filesystem(f"{lake}/silver/x/part-0.parquet")
    with fs.open_output_stream(path) as out:
        table = pa.table({"text": [f"the caller {NEEDLE} said"] * 3})
        pq.write_table(table, out, compression="gzip", write_statistics=False)
    storage.write_bytes(f"{lake}/quarantine_files/t1/b1/{NEEDLE}.mp3", b"bytes")
    for name in (
        "audio/t1/ab/one.txt",
        "silver/x/part-0.parquet",
        f"quarantine_files/t1/b1/{NEEDLE}.mp3",
    ):
        storage.delete_file(f"{lake}/{name}")
    assert storage.list_files(lake) == []  # gone from every listing …

    report = scan([Path(s3_home.home), lake], {NEEDLE: "phone"})
    assert report.canary_found and report.unreadable == []
    seen = {(h.seen_in, "old version" in h.path or "delete marker" in h.path) for h in report.hits}
    # … but its old versions hold it (raw and compressed) and a delete marker names it
    assert {("raw", True), ("parquet", True), ("name", True)} <= seen
    assert all(NEEDLE not in h.path for h in report.hits)  # paths are masked

    assert forget_object_versions(s3_home) >= 6  # 3 old versions and 3 delete markers
    after = scan([Path(s3_home.home), lake], {NEEDLE: "phone"})
    assert after.passed, after.as_dict()["hit_paths"]
    # the canary objects went with every version of them; what is left are the empty folder
    # markers pyarrow writes (a key ending in "/")
    left = list(object_store.versions(lake))
    assert left and all(v.key.endswith("/") and v.is_latest and v.size == 0 for v in left)


def test_the_scan_fails_when_the_bucket_canary_is_not_found(s3_home: Settings, monkeypatch):
    monkeypatch.setattr(scan_module, "_plant_objects", lambda root, marker: f"{root}/nothing")
    report = scan([Path(s3_home.home), s3_home.lakehouse], {NEEDLE: "phone"})
    assert report.hits == [] and not report.canary_found and not report.passed
