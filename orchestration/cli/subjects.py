"""``ccr subject export|erase``: one caller (by number) or one agent of a tenant
(docs/retention.md). The erasure is wired as the retention job's erasure is
(``orchestration/lib/erasure.py``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from orchestration.cli.common import instance, run_log
from transforms.core.context import StepContext
from transforms.core.settings import Settings


def register(sub: Any) -> None:
    subj = sub.add_parser("subject", help="a caller's or an agent's data: export or erase")
    subj.add_argument("action", choices=("export", "erase"))
    subj.add_argument("--tenant", required=True)
    who = subj.add_mutually_exclusive_group(required=True)
    who.add_argument("--phone", help="the caller's number, as the client knows it")
    who.add_argument("--agent", help="the agent's id")
    subj.add_argument("--out", type=Path, default=None, help="export: an empty folder")
    subj.set_defaults(handler=subject_command)


#: Exit status of a request that matched nothing (nothing exported or erased, no certificate).
NOT_FOUND = 3


def subject_command(settings: Settings, args: argparse.Namespace) -> int:
    from orchestration.defs.kpis.resources import dbt_cli
    from orchestration.lib.erasure import erasure_hooks
    from orchestration.lib.partitions import forget_tenant_partitions
    from transforms.compliance import step, subjects
    from transforms.compliance.erasure import record_not_found

    ctx = StepContext.of(settings)
    kind, value = ("caller", args.phone) if args.phone else ("agent", args.agent)
    subject = subjects.Subject(args.tenant, kind, value)
    if args.action == "export":
        if args.out is None:
            raise SystemExit("ccr subject export needs --out DIR")
        try:
            manifest = subjects.export(ctx.lakehouse, settings, ctx.keys, subject, args.out)
        except subjects.NotFound as exc:
            print(f"not found: {exc}; nothing exported")
            return NOT_FOUND
        except ValueError as exc:  # ExportError: where it cannot be written
            print(exc)
            return 2
        tables = manifest["sources"]["tables"]
        print(
            f"exported {len(manifest['files'])} files to {args.out}, drawn from "
            f"{len(tables)} tables and {len(manifest['sources']['files'])} stored files "
            "(manifest.json names each)"
        )
        return 0
    try:
        request = subjects.erasure(ctx.lakehouse, settings, ctx.keys, subject)
    except subjects.NotFound as exc:
        entry = record_not_found(
            kind, args.tenant, subject.keyed_hash(ctx.keys), settings, ctx.keys, ctx.now()
        )
        print(
            f"not found: {exc}; nothing erased, no certificate (ledger entry {entry['seq']} "
            "records the request)"
        )
        return NOT_FOUND

    def remaining() -> int:
        return 0 if subjects.find(ctx.lakehouse, settings, ctx.keys, subject).empty else 1

    def forget_partitions(tenant_id: str) -> int:
        # a caller's or an agent's erasure purges no tenant: the instance is not opened
        with instance(settings) as dagster:
            return forget_tenant_partitions(dagster, tenant_id)

    with run_log(settings).open("w") as log:
        hooks = erasure_hooks(ctx, dbt_cli(), forget_partitions, remaining, dbt_output=log)
        certificate = step.erase(ctx, request, hooks)
    passed = certificate["verification"]["passed"]
    print(
        f"erased one {kind} of {args.tenant}: "
        f"{sum(t['rows_deleted'] for t in certificate['tables'])} rows, "
        f"{sum(certificate['files'].values())} files; verified: {passed}"
    )
    print(f"  certificate: {settings.compliance_dir}/certificates/{certificate['request_id']}.html")
    return 0 if passed else 1
