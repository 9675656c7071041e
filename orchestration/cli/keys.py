"""``ccr keys create|status|rekey-callers``: the per-tenant pseudonym keys and the erasure
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
    keys_sub.add_parser(
        "status", help="each registry tenant's key and the ledger key: ok, missing, destroyed"
    )
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
            print(f"{tenant_id:24} {store.status(tenant_id)}")
        print(f"{'(erasure ledger)':24} {store.ledger_status()}")
        return 0
    if args.action == "rekey-callers":
        return rekey_command(settings, args, store, tenants)
    if not args.tenants and not args.ledger:
        print("ccr keys create: name tenants, or --ledger")
        return 2
    failed = 0
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
            store.create(tenant_id)
            print(f"{tenant_id}: key created in {settings.keys}")
        except KeyStoreError as exc:
            print(f"{tenant_id}: {exc}")
            failed += 1
    return 1 if failed else 0


def provision_sample_keys(settings: Settings) -> list[str]:
    """The demo's tenants get a key if they have none yet (a destroyed key stays destroyed),
    and the key store its erasure-ledger key; what was provisioned."""
    store = FileKeyStore(settings.keys)
    tenants = sorted(p.name for p in SAMPLE_LANDING.iterdir() if p.is_dir())
    missing = [t for t in tenants if store.status(t) == "missing"]
    for tenant_id in missing:
        store.create(tenant_id)
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
