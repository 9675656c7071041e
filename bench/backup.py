"""Backup benchmark: the size and time of a backup of the erasure benchmark's fixture.

The same synthetic lakehouse as ``bench/erasure.py`` (default 20 tenants, one million segments,
20 per call: 50,000 calls, each with a recording and a playback copy; free text and files
encrypted per tenant as the pipeline stores them), then, timed: ``ccr backup create`` (a
consistent snapshot under the writer lock, streamed with a SHA-256 per file, MAC'd manifest),
``ccr backup verify`` (every file re-hashed) and ``ccr backup restore`` into the same home (no
erasure to replay). Sizes: the lakehouse on disk (with its Delta history) and the backup.

    .venv/bin/python bench/backup.py                        # prints a table, then one JSON line
    .venv/bin/python bench/backup.py --segments 20000 --tenants 4   # a quick run
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.synthetic_lakehouse import build  # noqa: E402
from transforms.compliance import backup  # noqa: E402
from transforms.core.keys import FileKeyStore  # noqa: E402
from transforms.core.lakehouse import Lakehouse  # noqa: E402
from transforms.core.settings import Settings  # noqa: E402


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--segments", type=int, default=1_000_000, help="in all the tenants")
    parser.add_argument("--segments-per-call", type=int, default=20)
    parser.add_argument("--scratch", type=Path, default=None, help="default: a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ccr-backup-bench-") as tmp:
        scratch = args.scratch or Path(tmp)
        home = scratch / "home"
        settings = Settings.from_env(
            {
                "CCR_HOME": str(home),
                "CCR_KEYS": str(scratch / "keys"),
                "CCR_BACKUPS": str(scratch / "backups"),
            }
        )
        names = [f"t{i:02d}-corp" for i in range(args.tenants)]
        per_tenant = args.segments // args.tenants // args.segments_per_call
        started = time.perf_counter()
        built = build(settings, names, per_tenant, args.segments_per_call, fast=True, encrypt=True)
        build_s = time.perf_counter() - started
        lh, keys = Lakehouse.from_settings(settings), FileKeyStore(settings.keys)
        lakehouse_bytes = size_of(Path(settings.lakehouse))
        made = backup.create(settings, lh, keys, datetime.now(UTC))
        started = time.perf_counter()
        problems = backup.verify(settings, keys, made.backup_id)
        verify_s = time.perf_counter() - started
        started = time.perf_counter()
        restored = backup.restore(settings, lh, keys, made.backup_id, datetime.now(UTC))
        restore_s = time.perf_counter() - started
        backup_bytes = size_of(Path(made.uri))
    print(
        f"{len(names)} tenants, {built.calls.height} calls, {built.segments} segments, "
        f"{len(built.files)} files (encrypted), lakehouse written in {build_s:.0f} s"
    )
    print(f"{'step':<10}{'seconds':>10}{'files':>10}{'MB':>10}")
    print(f"{'create':<10}{made.seconds:>10.1f}{made.files:>10}{backup_bytes / 1e6:>10.1f}")
    print(f"{'verify':<10}{verify_s:>10.1f}{made.files:>10}{'':>10}")
    print(f"{'restore':<10}{restore_s:>10.1f}{restored.files:>10}{'':>10}")
    print(f"lakehouse on disk (Delta history included): {lakehouse_bytes / 1e6:.1f} MB")
    print(
        json.dumps(
            {
                "calls": built.calls.height,
                "segments": built.segments,
                "tenants": len(names),
                "backup_create_s": round(made.seconds, 1),
                "backup_verify_s": round(verify_s, 1),
                "backup_restore_s": round(restore_s, 1),
                "backup_mb": round(backup_bytes / 1e6, 1),
                "backup_files": made.files,
                "lakehouse_mb": round(lakehouse_bytes / 1e6, 1),
                "verified": problems == [],
            }
        )
    )


if __name__ == "__main__":
    main()
