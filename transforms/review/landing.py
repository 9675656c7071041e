"""Review CSVs waiting in ``$CCR_LANDING/_reviews/<tenant>/``: found, landed, cleared.

A file leaves landing only once its rows are stored (good ones in silver.human_reviews, bad ones
in bronze.quarantine); landing the same file again inserts nothing (rows keyed by content).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow.fs as pafs

from transforms.core import storage
from transforms.core.lakehouse import Lakehouse
from transforms.core.log import SILENT, Log
from transforms.core.tenants import Tenant
from transforms.review.reviews import ingest_review_file
from transforms.score.scorecard import Scorecard


@dataclass(frozen=True)
class ReviewLanding:
    files: int = 0
    rows_inserted: int = 0
    rows_quarantined: int = 0


def review_files(reviews_uri: str) -> list[tuple[str, str, pafs.FileInfo]]:
    """(tenant, file name, info) of every CSV waiting under ``_reviews/<tenant>/``."""
    fs, root = storage.filesystem(reviews_uri)
    if fs.get_file_info(root).type == pafs.FileType.NotFound:
        return []
    found = []
    for tenant_dir in fs.get_file_info(pafs.FileSelector(root)):
        if tenant_dir.type != pafs.FileType.Directory or tenant_dir.base_name[:1] in "._":
            continue
        for info in fs.get_file_info(pafs.FileSelector(tenant_dir.path)):
            if info.type == pafs.FileType.File and info.base_name.endswith(".csv"):
                found.append((tenant_dir.base_name, info.base_name, info))
    return sorted(found, key=lambda f: (f[0], f[1]))


def land_review_files(
    lh: Lakehouse,
    reviews_uri: str,
    tenants: Mapping[str, Tenant],
    cards: Mapping[tuple[str, str], Scorecard],
    log: Log = SILENT,
) -> ReviewLanding:
    """Append the rows of every waiting review CSV; bad rows go to quarantine with a reason.

    A folder of a tenant not in the registry is left in landing (with a warning).
    """
    inserted = rejected = files = 0
    for tenant_id, name, _info in review_files(reviews_uri):
        uri = f"{reviews_uri}/{tenant_id}/{name}"
        if tenant_id not in tenants:
            log.warning(f"review folder of unknown tenant {tenant_id!r} left in landing")
            continue
        added, bad = ingest_review_file(lh, tenant_id, name, storage.read_bytes(uri), cards)
        storage.delete_file(uri)
        inserted, rejected, files = inserted + added, rejected + bad, files + 1
    return ReviewLanding(files, inserted, rejected)
