"""``ccr keys create|status|rekey-callers|rotate-kek|rotate-data-key|encrypt-existing``: the
per-tenant pseudonym and data keys, the key-encryption key (docs/encryption.md) and the erasure
ledger's MAC key. Provisioning is explicit; processing never creates a key. ``rekey-callers``
moves callers keyed under the rule before E.164 to their E.164 key, from the numbers the product
still sees in clear (``transforms/ingest/rekey.py`` says what it can and cannot re-key)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from orchestration.cli.common import SAMPLE_LANDING
from transforms.core.keys import FileKeyStore, KeyStoreError
from transforms.core.settings import Settings
from transforms.core.tenants import load_tenants


def register(sub: Any) -> None:
    keys_p = sub.add_parser("keys", help="the per-tenant pseudonym keys (CCR_KEYS)")
    keys_sub = keys_p.add_subparsers(dest="action", required=True)
    create = keys_sub.add_parser("create", help="provision a tenant's key (never replaces one)")
    create.add_argument("tenants", nargs="*")
    create.add_argument(
        "--ledger", action="store_true", help="the erasure ledger's MAC key (once per key store)"
    )
    create.add_argument(
        "--kek",
        action="store_true",
        help="the key-encryption key that wraps the tenants' data keys (once per key store)",
    )
    keys_sub.add_parser(
        "status",
        help="each registry tenant's pseudonym and data keys, the KEK and the ledger key: ok, "
        "missing, destroyed",
    )
    keys_sub.add_parser(
        "rotate-kek", help="a new key-encryption key; every data key re-wrapped, the old KEK gone"
    )
    rotate = keys_sub.add_parser(
        "rotate-data-key",
        help="a new data key for tenants: their data re-encrypted, the old key version dropped",
    )
    rotate.add_argument("tenants", nargs="+")
    migrate = keys_sub.add_parser(
        "encrypt-existing",
        help="encrypt what was stored in clear before encryption (idempotent; a rerun resumes)",
    )
    migrate.add_argument("tenants", nargs="*", help="default: every registry tenant")
    rekey = keys_sub.add_parser(
        "rekey-callers",
        help="re-key callers pseudonymised before E.164 from the numbers still in clear "
        "(landing, old quarantined manifests, --numbers)",
    )
    rekey.add_argument("--tenant", required=True)
    rekey.add_argument(
        "--numbers",
        type=Path,
        default=None,
        help="a file of the client's caller numbers, one per line (read, never copied)",
    )
    keys_p.set_defaults(handler=keys_command)


def keys_command(settings: Settings, args: argparse.Namespace) -> int:
    store = FileKeyStore(settings.keys)
    tenants = load_tenants(settings.tenants_file)
    if args.action == "status":
        for tenant_id in tenants:
            print(
                f"{tenant_id:24} pseudonym key {store.status(tenant_id)}; "
                f"data key {store.data_key_status(tenant_id)}"
            )
        print(f"{'(key-encryption key)':24} {store.kek_status()}")
        print(f"{'(erasure ledger)':24} {store.ledger_status()}")
        return 0
    if args.action == "rekey-callers":
        return rekey_command(settings, args, store, tenants)
    if args.action in ("rotate-kek", "rotate-data-key", "encrypt-existing"):
        return encryption_command(settings, args, store, tenants)
    if not args.tenants and not args.ledger and not args.kek:
        print("ccr keys create: name tenants, or --kek, or --ledger")
        return 2
    failed = 0
    if args.kek:
        try:
            store.create_kek()
            print(f"key-encryption key created in {settings.keys}")
        except KeyStoreError as exc:
            print(f"key-encryption key: {exc}")
            failed += 1
    if args.ledger:
        try:
            store.create_ledger_key()
            print(f"erasure-ledger key created in {settings.keys}")
        except KeyStoreError as exc:
            print(f"erasure ledger: {exc}")
            failed += 1
    for tenant_id in args.tenants:
        if tenant_id not in tenants:
            print(f"{tenant_id}: not in the tenant registry {settings.tenants_file}")
            failed += 1
            continue
        try:
            had_data_key = store.data_key_status(tenant_id) == "ok"
            made = []
            if store.status(tenant_id) in ("missing", "destroyed"):
                store.create(tenant_id)  # a destroyed key: refused, saying why
                made.append("pseudonym key")
            if store.data_key_status(tenant_id) == "missing":
                store.create_data_key(tenant_id)  # no KEK: refused, saying how to provision it
            if not had_data_key and store.data_key_status(tenant_id) == "ok":
                made.append("data key")
            if not made:
                raise KeyStoreError(f"tenant {tenant_id} already has its keys; never replaced")
            print(f"{tenant_id}: {' and '.join(made)} created in {settings.keys}")
        except KeyStoreError as exc:
            print(f"{tenant_id}: {exc}")
            failed += 1
    return 1 if failed else 0


def encryption_command(settings: Settings, args: argparse.Namespace, store, tenants) -> int:
    """Rotations and the migration of clear data (docs/encryption.md)."""
    from transforms.core.lakehouse import Lakehouse
    from transforms.core.reencrypt import bring_under_current_key, survey

    if args.action == "rotate-kek":
        done = store.rotate_kek()
        print(
            f"key-encryption key rotated: {done} tenants' data keys re-wrapped; the old KEK is gone"
        )
        print("  back up the key store now (docs/encryption.md#key-backup): the old backup's KEK")
        print("  no longer unwraps the current data keys")
        return 0
    names = args.tenants or list(tenants)
    unknown = [t for t in names if t not in tenants]
    if unknown:
        print(f"not in the tenant registry {settings.tenants_file}: {', '.join(unknown)}")
        return 1
    lh = Lakehouse.from_settings(settings)
    failed = 0
    for tenant_id in names:
        try:
            if args.action == "rotate-data-key":
                new = store.add_data_key_version(tenant_id)
                print(f"{tenant_id}: data key version {new} is current")
            done = bring_under_current_key(lh, tenant_id)
            left = survey(lh, tenant_id)
            print(
                f"{tenant_id}: {sum(done.rows.values())} rows and {done.files} files brought "
                f"under the current data key; {done.history_files_removed} old table files removed"
            )
            if left.left:
                print(f"  {left.left} values or files are still under another key: run it again")
                failed += 1
            elif args.action == "rotate-data-key":
                dropped = store.drop_data_key_versions(
                    tenant_id, lh.cipher.current_version(tenant_id)
                )
                print(f"  old data key versions dropped: {', '.join(map(str, dropped)) or 'none'}")
        except KeyStoreError as exc:
            print(f"{tenant_id}: {exc}")
            failed += 1
    return 1 if failed else 0


def provision_sample_keys(settings: Settings) -> list[str]:
    """The demo's tenants get a key if they have none yet (a destroyed key stays destroyed),
    and the key store its erasure-ledger key; what was provisioned."""
    store = FileKeyStore(settings.keys)
    tenants = sorted(p.name for p in SAMPLE_LANDING.iterdir() if p.is_dir())
    if store.kek_status() == "missing":
        store.create_kek()
    missing = [t for t in tenants if store.status(t) == "missing"]
    for tenant_id in missing:
        store.create(tenant_id)
    for tenant_id in tenants:
        if store.data_key_status(tenant_id) == "missing":
            store.create_data_key(tenant_id)
    if store.ledger_status() == "missing":
        store.create_ledger_key()
        missing.append("(erasure ledger)")
    return missing


def rekey_command(settings: Settings, args: argparse.Namespace, store, tenants) -> int:
    from transforms.core.lakehouse import Lakehouse
    from transforms.ingest.rekey import numbers_waiting, rekey_callers

    tenant = tenants.get(args.tenant)
    if tenant is None:
        print(f"{args.tenant}: not in the tenant registry {settings.tenants_file}")
        return 1
    numbers = numbers_waiting(settings.landing, settings.quarantine_store, tenant.tenant_id)
    if args.numbers is not None:
        numbers += args.numbers.read_text().splitlines()
    done = rekey_callers(
        Lakehouse.from_settings(settings), store, tenant.tenant_id, numbers, tenant.phone_region
    )
    print(
        f"{tenant.tenant_id}: {done.numbers} numbers read ({done.unparsed} not a number of "
        f"region {tenant.phone_region or 'unset'}); re-keyed {done.calls} calls and "
        f"{done.quarantine_rows} quarantined rows"
    )
    print(
        "  callers whose number was not among them keep their old key until retention nulls "
        "it; requests by number still find them (docs/privacy.md#caller-pseudonyms)"
    )
    return 0
