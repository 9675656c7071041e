"""``ccr retention plan|apply`` and ``ccr export tenant`` (docs/retention.md)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from orchestration.cli.common import execute, instance, run_config, run_log
from transforms.core.context import StepContext
from transforms.core.settings import Settings


def register(sub: Any) -> None:
    ret = sub.add_parser("retention", help="retention plan for a date, or apply it")
    ret.add_argument("action", choices=("plan", "apply"))
    ret.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today, UTC)")
    ret.set_defaults(handler=retention_command)
    exp = sub.add_parser("export", help="restitution: a tenant's data as files")
    exp.add_argument("scope", choices=("tenant",))
    exp.add_argument("tenant")
    exp.add_argument("--out", type=Path, required=True, help="an empty folder outside CCR_HOME")
    exp.set_defaults(handler=export_command)


def retention_command(settings: Settings, args: argparse.Namespace) -> int:
    """``plan`` prints what would go on a date; ``apply`` runs retention_job."""
    from transforms.compliance import step
    from transforms.compliance.retention import format_plan
    from transforms.core.context import FutureDate

    day = date.fromisoformat(args.as_of) if args.as_of else None
    if args.action == "plan":  # planning may look ahead
        print(format_plan(step.plan(StepContext.of(settings).on(day, look_ahead=True))))
        return 0
    try:
        StepContext.of(settings).on(day)
    except FutureDate as exc:
        print(f"ccr retention apply: {exc}; nothing was run")
        return 2
    return 0 if apply_retention(settings, day) else 1


def apply_retention(settings: Settings, day: date | None) -> bool:
    """Run retention_job for ``day`` (None: today) on the instance, as the daily schedule does;
    True if it succeeded and the erasure it carried out (if any) was verified."""
    from orchestration.definitions import build_definitions
    from orchestration.defs.compliance.jobs import as_of_config

    job = build_definitions().resolve_job_def("retention_job")
    ops = as_of_config(day)
    label = f"retention for {day or 'today'}: statistics, plan, erasure, verification"
    with run_log(settings).open("w") as log, instance(settings) as dagster:
        result = execute(job, label, log, run_config(ops), instance=dagster)
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        if "certificate" in meta:
            print(
                f"  certificate: {meta['certificate'].value} (verified: {meta['verified'].value})"
            )
    return result.success


def export_command(settings: Settings, args: argparse.Namespace) -> int:
    """``ccr export tenant T --out DIR``: restitution of everything the tenant gave us."""
    from transforms.compliance.export import ExportError, tenant_export
    from transforms.core.lakehouse import Lakehouse

    lh = Lakehouse.from_settings(settings)
    try:
        manifest = tenant_export(lh, settings, args.tenant, args.out)
    except ExportError as exc:
        print(exc)
        return 2
    rows = sum(manifest["rows"].values())
    print(f"exported {len(manifest['files'])} files ({rows} rows) to {args.out}")
    return 0
