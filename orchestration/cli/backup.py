"""``ccr backup create|list|verify|restore|prune``: snapshots of the home that forget on time
(docs/backups.md). Keys are never in a backup: back the key store up on its own
(docs/encryption.md#key-backup)."""

from __future__ import annotations

import argparse
from typing import Any

from transforms.core.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("backup", help="snapshots of the home to CCR_BACKUPS, and their restore")
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("create", help="a consistent snapshot (tables at one version, files)")
    actions.add_parser("list", help="the backups, oldest first, and when each is pruned")
    for name, text in (
        ("verify", "check a backup's MAC and every file's SHA-256"),
        ("restore", "restore a backup, then carry out again every erasure made since"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("backup_id")
    actions.add_parser("prune", help="delete backups older than CCR_BACKUP_RETENTION_DAYS")
    p.set_defaults(handler=backup_command)


def backup_command(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import timedelta

    from transforms.compliance import backup
    from transforms.compliance.ledger import LedgerError
    from transforms.compliance.replay import ReplayError
    from transforms.core.context import StepContext
    from transforms.core.keys import FileKeyStore, KeyStoreError
    from transforms.core.lakehouse import Lakehouse

    # A restore that stopped half way is run again: only then may the lakehouse be opened while
    # its marker is present (list, verify and prune do not read it; create must not copy it).
    lakehouse = Lakehouse.from_settings(settings, restoring=args.action != "create")
    ctx = StepContext.of(settings, lakehouse=lakehouse)  # the clock's one default (Clock)
    lh, keys, now = ctx.lakehouse, FileKeyStore(settings.keys), ctx.now()
    try:
        if args.action == "create":
            made = backup.create(settings, lh, keys, now)
            print(
                f"backup {made.backup_id}: {made.files} files, {made.bytes / 1e6:.1f} MB, "
                f"{len(made.versions)} tables, in {made.seconds:.1f} s, to {made.uri}"
            )
            return 0
        if args.action == "list":
            days = settings.backup_retention_days
            for backup_id in backup.backups(settings):
                found = backup.manifest(settings, backup_id)
                made_on = backup.created_on(backup_id, found)
                size = sum(f["size"] for f in found.get("files", {}).values())
                print(
                    f"{backup_id}  {len(found.get('files', {})):>6} files {size / 1e6:>9.1f} MB"
                    f"  pruned on {made_on + timedelta(days=days + 1)}"
                )
            return 0
        if args.action == "verify":
            problems = backup.verify(settings, keys, args.backup_id)
            for problem in problems[:20]:
                print(f"  {problem}")
            if problems:
                print(f"backup {args.backup_id} does NOT verify: {len(problems)} problems")
                return 1
            print(f"backup {args.backup_id} verifies: manifest MAC and every file's SHA-256")
            return 0
        if args.action == "restore":
            done = backup.restore(settings, lh, keys, args.backup_id, now)
            work = done.work
            print(
                f"restored {done.files} files of backup {done.backup_id}; "
                f"{len(done.replayed)} erasures made since carried out again ({work.rows_deleted} "
                f"rows deleted, {work.rows_nulled} nulled, {work.files_deleted} files, tenants "
                f"purged again: {', '.join(work.tenants_purged) or 'none'}); recorded in the "
                "erasure ledger"
            )
            return 0
        gone = backup.prune(settings, ctx.today())
        print(f"{len(gone)} backups older than {settings.backup_retention_days} days deleted")
        return 0
    except (backup.BackupError, ReplayError, LedgerError, KeyStoreError) as exc:
        print(f"ccr backup {args.action}: {exc}")
        return 1
