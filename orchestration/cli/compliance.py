"""``ccr compliance record|breach|ledger``: the art. 30 record, breach facts, the erasure ledger."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from transforms.core.settings import REPO_ROOT, Settings


def register(sub: Any) -> None:
    comp = sub.add_parser("compliance", help="record of processing (art. 30), breach facts")
    comp_sub = comp.add_subparsers(dest="action", required=True)
    rec = comp_sub.add_parser("record", help="write the art. 30 record as HTML and JSON")
    rec.add_argument("--out", type=Path, default=None, help="folder (default $CCR_HOME/compliance)")
    br = comp_sub.add_parser("breach", help="print what a breach notification needs")
    br.add_argument("--tables", nargs="+", required=True, help="e.g. silver.transcripts or calls")
    br.add_argument("--tenants", nargs="*", default=[], help="default: all tenants")
    br.add_argument("--since", required=True, help="ISO date/time, call start (inclusive)")
    br.add_argument("--until", required=True, help="ISO date/time, call start (exclusive)")
    br.add_argument("--json", action="store_true")
    led = comp_sub.add_parser(
        "ledger", help="list the erasure ledger; check its chain, MACs, head and certificates"
    )
    led.add_argument(
        "--verify",
        action="store_true",
        help="only verify: exit 1 naming the first bad entry, 2 if it cannot be verified",
    )
    comp.set_defaults(handler=compliance_command)


def compliance_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "ledger":
        return ledger(settings, listing=not args.verify)
    if args.action == "record":
        for path in record(settings, args.out or Path(settings.compliance_dir)):
            print(f"wrote {path}")
        return 0
    print(breach(settings, args))
    return 0


def record(settings: Settings, out_dir: Path) -> tuple[Path, Path]:
    """Write the art. 30 record (JSON + HTML) from contracts, asset graph and dbt manifest."""
    from orchestration.definitions import build_definitions
    from orchestration.defs.kpis.resources import kpi_dbt_project
    from transforms.compliance import record as art30
    from transforms.core.contracts import load_contracts
    from transforms.core.deployment import require_lawful_locations
    from transforms.core.tenants import load_tenants

    facts = require_lawful_locations(settings)  # checked at start-up; read here for the record

    graph = build_definitions().resolve_asset_graph()
    assets = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "group": node.group_name,
            "owners": sorted(node.owners),
        }
    contracts = load_contracts()
    manifest = json.loads(Path(kpi_dbt_project().manifest_path).read_text())
    lineage = art30.column_lineage(manifest, contracts, REPO_ROOT / "dbt_project" / "macros")
    controllers = [
        {
            "tenant_id": t.tenant_id,
            "name": t.display_name,
            "contract_start": str(t.contract_start or ""),
            "contract_end": str(t.contract_end) if t.contract_end else None,
            "grace_days": t.lifecycle.grace_days,
            "retention_overrides": {
                c: {"period": str(o.period), "justification": o.justification or None}
                for c, o in t.lifecycle.retention_overrides.items()
            },
        }
        for t in load_tenants(settings.tenants_file).values()
    ]
    doc = art30.build_record(contracts, assets, lineage, controllers, datetime.now(UTC), facts)
    print(art30.summary(doc))
    return art30.write_record(doc, out_dir)


def breach(settings: Settings, args: argparse.Namespace) -> str:
    """What a breach notification needs (DPA §12), counted from the lakehouse."""
    from transforms.compliance.breach import breach_facts, format_breach
    from transforms.core.contracts import load_contracts
    from transforms.core.lakehouse import Lakehouse

    def instant(text: str) -> datetime:
        value = datetime.fromisoformat(text)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    contracts = load_contracts()
    tables = [
        t if "." in t else next((n for n in contracts if n.endswith("." + t)), t)
        for t in args.tables
    ]
    facts = breach_facts(
        Lakehouse.from_settings(settings),
        contracts,
        tables,
        args.tenants or None,
        instant(args.since),
        instant(args.until),
    )
    if args.json:
        return json.dumps(facts.as_dict(), indent=2)
    return format_breach(facts)


def ledger(settings: Settings, listing: bool = True) -> int:
    """Every erasure recorded (``listing``), then the verification: the hash chain, each entry's
    MAC, the head kept in the key store, each certificate against its digest. Exit 0: intact;
    1: tampered (the first bad entry is named); 2: cannot be verified (no ledger key, or legacy
    entries not sealed yet)."""
    from transforms.compliance.certificate import CERTIFICATES
    from transforms.compliance.ledger import LEDGER_NAME, Ledger
    from transforms.core.keys import FileKeyStore

    folder = Path(settings.compliance_dir)
    chain = Ledger(folder / LEDGER_NAME, FileKeyStore(settings.keys))
    found = chain.check(folder / CERTIFICATES)
    try:
        entries = chain.entries() if listing else []
    except json.JSONDecodeError:  # reported by the check
        entries = []
    for e in entries:
        outcome = f"verified {e['verified']}"
        if e.get("outcome") == "not_found":
            outcome = "not found"
        elif e.get("kind") == "restore":
            outcome = f"restored {e['backup_id']}, {len(e['replayed'])} erasures replayed"
        print(
            f"{e['seq']:>4} {e['performed_at']} {e['kind']:<9} {','.join(e['tenants']):<24} "
            f"rows {e['rows_deleted']:>7} files {e['files_deleted']:>6} "
            f"{outcome}  {e.get('certificate') or ''}".rstrip()
        )
    for note in found.notes:
        print(f"note: {note}")
    if found.problems:
        print("\n".join(found.lines()))
        print(f"ledger NOT intact: first bad entry {found.first_bad}")
        return 1
    if not found.verifiable:
        print(f"chain intact ({found.entries} entries) but NOT verifiable")
        return 2
    print(f"chain intact ({found.entries} entries): MACs, head and certificates verified")
    return 0
