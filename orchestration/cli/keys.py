"""``ccr keys create|status``: the per-tenant pseudonym keys and the erasure ledger's MAC key.
Provisioning is explicit; processing never creates a key."""

from __future__ import annotations

import argparse
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
    keys_p.set_defaults(handler=keys_command)


def keys_command(settings: Settings, args: argparse.Namespace) -> int:
    store = FileKeyStore(settings.keys)
    tenants = load_tenants(settings.tenants_file)
    if args.action == "status":
        for tenant_id in tenants:
            print(f"{tenant_id:24} {store.status(tenant_id)}")
        print(f"{'(erasure ledger)':24} {store.ledger_status()}")
        return 0
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
