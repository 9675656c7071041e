"""Review CSVs waiting in ``$CCR_LANDING/_reviews/<tenant>/``: found, landed, cleared.

A file leaves landing only once its rows are stored (good ones in silver.human_reviews, bad ones
in bronze.quarantine); landing the same file again inserts nothing (rows keyed by content).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from transforms.core import storage
from transforms.core.lakehouse import Lakehouse
from transforms.core.log import SILENT, Log
from transforms.core.scorecards import Scorecard
from transforms.core.storage import Entry
from transforms.core.tenants import Tenant
from transforms.ingest.names import display
from transforms.review.reviews import Rejected, ingest_review_file, set_aside


@dataclass(frozen=True)
class ReviewLanding:
    files: int = 0
    rows_inserted: int = 0
    rows_quarantined: int = 0


def review_files(reviews_uri: str) -> list[tuple[str, Entry]]:
    """(tenant, entry) of every ``*.csv`` waiting under ``_reviews/<tenant>/``, listed without
    following links (a link or a FIFO named ``.csv`` is listed as what it is, and set aside)."""
    found = []
    for tenant_dir in storage.list_entries(reviews_uri):
        if tenant_dir.kind != "dir" or tenant_dir.name[:1] in "._":
            continue
        for entry in storage.list_entries(tenant_dir.uri):
            if entry.name.endswith(".csv") and not entry.name.startswith("."):
                found.append((tenant_dir.name, entry))
    return found


def settled(files: list[tuple[str, Entry]], quiet_s: float, now: float | None = None) -> bool:
    """Whether every waiting file has been unchanged for ``quiet_s`` (its upload is over)."""
    now = time.time() if now is None else now
    return all(now - e.changed_ns / 1e9 >= quiet_s for _, e in files)


def land_review_files(
    lh: Lakehouse,
    reviews_uri: str,
    tenants: Mapping[str, Tenant],
    cards: Mapping[tuple[str, str], Scorecard],
    log: Log = SILENT,
    quiet_s: float = 0.0,
) -> ReviewLanding:
    """Append the rows of every waiting review CSV; bad rows go to quarantine with a reason.

    A folder of a tenant not in the registry is left in landing (with a warning), and so is a
    file changed less than ``quiet_s`` ago (still uploading). A link or other non-file is set
    aside unread and removed. File names are kept only as displayed (phone numbers masked).
    """
    inserted = rejected = files = 0
    for tenant_id, entry in review_files(reviews_uri):
        if tenant_id not in tenants:
            log.warning(f"review folder of unknown tenant {display(tenant_id)!r} left in landing")
            continue
        if not settled([(tenant_id, entry)], quiet_s):
            continue
        if entry.kind != "file":
            code = Rejected(
                0, "symlink" if entry.kind == "symlink" else "not_a_regular_file",
                "not a regular file; it is not read", {},
            )  # fmt: skip
            set_aside(lh, tenant_id, display(entry.name), None, [code])
            added, bad = 0, 1
        else:
            data = storage.read_bytes(entry.uri)
            added, bad = ingest_review_file(lh, tenant_id, display(entry.name), data, cards)
        storage.delete_file(entry.uri)
        inserted, rejected, files = inserted + added, rejected + bad, files + 1
    return ReviewLanding(files, inserted, rejected)
