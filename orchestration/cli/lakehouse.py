"""``ccr lakehouse migrate-paths``: stored locations rewritten relative to the lakehouse root
(docs/object-storage.md#stored-locations)."""

from __future__ import annotations

import argparse
import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

from transforms.core.settings import Settings


def register(sub: Any) -> None:
    lake = sub.add_parser("lakehouse", help="maintenance of the lakehouse's stored locations")
    lake_sub = lake.add_subparsers(dest="action", required=True)
    mig = lake_sub.add_parser(
        "migrate-paths",
        help="rewrite absolute recording/playback/quarantine locations relative to the root",
    )
    mig.add_argument(
        "--from",
        dest="old_roots",
        action="append",
        default=[],
        metavar="OLD_LAKEHOUSE",
        help="the lakehouse root of the home this one was copied, restored or moved from "
        "(repeatable); its locations are rewritten too",
    )
    lake.set_defaults(handler=lakehouse_command)


def lakehouse_command(settings: Settings, args: argparse.Namespace) -> int:
    """Rewrite, record each table's count in the processing log, say what is left outside.
    Exit 0 when no stored location lies outside the root any more, 1 otherwise."""
    from transforms.core.lakehouse import Lakehouse, conform
    from transforms.core.tables import PROCESSING_LOG

    lh = Lakehouse.from_settings(settings)
    counts = lh.migrate_locations(args.old_roots)
    now = datetime.now(UTC)
    run_id = f"migrate-paths-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    rows = [
        {
            "entry_id": hashlib.sha256(f"{run_id}|{table}".encode()).hexdigest()[:32],
            "run_id": run_id,
            "job_name": "ccr lakehouse migrate-paths",
            "asset_key": table.replace(".", "/"),
            "tenant_id": None,
            "partition_key": None,
            "status": "success",
            "rows_in": None,
            "rows_out": found["rewritten"],
            "rows_rejected": None,
            "logged_at": now,
        }
        for table, found in counts.items()
    ]
    if rows:
        lh.merge(PROCESSING_LOG, conform(PROCESSING_LOG, rows))
    outside = 0
    for table, found in counts.items():
        outside += found["outside"]
        print(
            f"{table}: {found['rewritten']} locations rewritten relative to the root, "
            f"{found['outside']} outside it"
        )
    if outside:
        print(
            f"{outside} stored locations still lie outside {settings.lakehouse}: they are never "
            "followed; name the lakehouse they were written under with --from"
        )
        return 1
    print(f"every stored location is relative to {settings.lakehouse} (run {run_id})")
    return 0
