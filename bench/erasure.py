"""Erasure benchmark: a tenant purge and a one-caller erasure on a synthetic lakehouse.

A lakehouse of ``--tenants`` tenants and ``--segments`` transcript segments (default 20 and one
million; no ASR: made-up words through the contracts' schemas, ``tests/synthetic_lakehouse.py``),
with a recording and a playback copy per call, the KPI warehouse built from it by the real dbt
project. Then, timed end to end as ``ccr`` runs them (Dagster aside):

- a tenant purge: plan (contract ended 31 days before), needles, deletes, vacuum, checkpoint and
  log clean-up of every table, files, dbt rebuild of the warehouse into new files, residual
  scan of every file (strings, and the bytes: every recording checked gone by location, every
  file of an erased object's size hashed against the recorded digests), ledger and certificate;
- a one-caller erasure: the same steps for one caller of another tenant, found by number.

Targets on the 2-core reference machine: tenant purge ≤ 120 s, one caller ≤ 30 s.

    .venv/bin/python bench/erasure.py            # prints a table, then one JSON line
    .venv/bin/python bench/erasure.py --segments 100000 --tenants 5   # a quick run
    .venv/bin/python bench/erasure.py --clear    # free text and files in clear, to compare

The lakehouse is encrypted per tenant as the pipeline stores it (docs/encryption.md); the
``encryption`` column is the time the erasure spent encrypting and decrypting (its needles read
the erased and kept texts), part of the total.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestration.defs.kpis.resources import dbt_cli  # noqa: E402
from orchestration.lib.kpi_build import rebuild_warehouse  # noqa: E402
from tests.synthetic_lakehouse import build  # noqa: E402
from transforms.compliance import step, subjects  # noqa: E402
from transforms.compliance.erasure import Hooks, retention_request  # noqa: E402
from transforms.core.context import StepContext  # noqa: E402
from transforms.core.crypto import TenantCipher  # noqa: E402
from transforms.core.keys import FileKeyStore  # noqa: E402
from transforms.core.lakehouse import Lakehouse  # noqa: E402
from transforms.core.settings import Settings  # noqa: E402
from transforms.core.tenants import Tenant  # noqa: E402

AS_OF = date(2026, 12, 20)


class Timed:
    """The warehouse rebuild, timed (dbt's output kept off the terminal)."""

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx
        self.seconds = 0.0

    def rebuild(self, tenants) -> None:
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            rebuild_warehouse(dbt_cli(), self.ctx, tenants)
        self.seconds += time.perf_counter() - started


def registry(tenants: list[str], ended: str) -> dict[str, Tenant]:
    end = AS_OF - timedelta(days=31)
    return {
        t: Tenant(t, t, ("en",), "standard", contract_end=end if t == ended else None)
        for t in tenants
    }


class TimedCipher(TenantCipher):
    """The tenants' encryption, its time counted (the erasure decrypts the erased and kept texts
    to build its needles, and the subject search decrypts the rejected rows and comments)."""

    seconds = 0.0

    def _timed(self, method, *args):
        started = time.perf_counter()
        try:
            return method(*args)
        finally:
            TimedCipher.seconds += time.perf_counter() - started

    def encrypt_value(self, *args):
        return self._timed(super().encrypt_value, *args)

    def decrypt_value(self, *args):
        return self._timed(super().decrypt_value, *args)

    def seal_bytes(self, *args):
        return self._timed(super().seal_bytes, *args)

    def open_bytes(self, *args):
        return self._timed(super().open_bytes, *args)


def context(settings: Settings, tenants: dict[str, Tenant]) -> StepContext:
    """The retention job's context on ``AS_OF``, with the benchmark's registry and a cipher
    that counts its time."""
    lh = Lakehouse.from_settings(settings)
    lh = replace(lh, cipher=TimedCipher(FileKeyStore(settings.keys)))
    return StepContext.of(settings, today=AS_OF, tenants=tenants, lakehouse=lh)


def purge(settings: Settings, tenants: dict[str, Tenant]) -> dict:
    """As the retention job does it (``transforms.compliance.step``), with no Dagster instance."""
    TimedCipher.seconds = 0.0
    ctx = context(settings, tenants)
    timer = Timed(ctx)
    started = time.perf_counter()
    request = retention_request(ctx.lakehouse, step.plan(ctx))
    prepared = time.perf_counter() - started
    hooks = Hooks(
        rebuild_warehouse=timer.rebuild,
        forget_partitions=lambda tenant: 0,  # no Dagster instance in the benchmark
        remaining=step.remaining_after_retention(ctx, AS_OF),
    )
    certificate = step.erase(ctx, request, hooks)
    return figures(certificate, time.perf_counter() - started, prepared, timer.seconds)


def erase_caller(settings: Settings, tenants: dict[str, Tenant], tenant: str, phone: str) -> dict:
    """As ``ccr subject erase`` does it, with no Dagster instance."""
    TimedCipher.seconds = 0.0
    ctx = context(settings, tenants)
    lh, keys = ctx.lakehouse, ctx.keys
    subject = subjects.Subject(tenant, "caller", phone)
    timer = Timed(ctx)
    started = time.perf_counter()
    request = subjects.erasure(lh, settings, keys, subject)
    prepared = time.perf_counter() - started
    hooks = Hooks(
        rebuild_warehouse=timer.rebuild,
        forget_partitions=lambda tenant: 0,
        remaining=lambda: 0 if subjects.find(lh, settings, keys, subject).empty else 1,
    )
    certificate = step.erase(ctx, request, hooks)
    return figures(certificate, time.perf_counter() - started, prepared, timer.seconds)


def figures(certificate: dict, total: float, prepared: float, rebuild: float) -> dict:
    scan = certificate["verification"]
    return {
        "total_s": total,
        "plan_and_needles_s": prepared,
        "delete_vacuum_files_s": total - prepared - rebuild - scan["seconds"],
        "warehouse_rebuild_s": rebuild,
        "residual_scan_s": scan["seconds"],
        "encryption_s": TimedCipher.seconds,
        "rows": sum(t["rows_deleted"] + t["rows_nulled"] for t in certificate["tables"]),
        "files": sum(certificate["files"].values()),
        "hits": scan["hits"],
        "verified": scan["passed"],
        "files_scanned": scan["files_scanned"],
        "bytes_scanned": scan["bytes_scanned"],
        "objects_checked": sum(scan["objects"]["locations_checked"].values()),
        "objects_left": sum(scan["objects"]["locations_left"].values()),
        "digests_searched": sum(scan["objects"]["digests_searched"].values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--segments", type=int, default=1_000_000, help="in all the tenants")
    parser.add_argument("--segments-per-call", type=int, default=20)
    parser.add_argument("--home", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument(
        "--clear",
        action="store_true",
        help="free text and files in clear, as before encryption (to compare with)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ccr-erasure-bench-") as scratch:
        home = args.home or Path(scratch)
        settings = Settings.from_env({"CCR_HOME": str(home), "CCR_KEYS": str(home / "keys")})
        # distinct first letters: the synthetic ids start with them, so no id repeats elsewhere
        names = [f"t{i:02d}-corp" for i in range(args.tenants)]
        per_tenant = args.segments // args.tenants // args.segments_per_call
        started = time.perf_counter()
        built = build(
            settings, names, per_tenant, args.segments_per_call, fast=True, encrypt=not args.clear
        )
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            rebuild_warehouse(dbt_cli(), StepContext.of(settings, today=AS_OF))
        warehouse_s = time.perf_counter() - started
        print(
            f"{len(names)} tenants, {built.calls.height} calls, {built.segments} segments, "
            f"{len(built.files)} files: lakehouse written in {build_s:.0f} s, "
            f"KPI warehouse built in {warehouse_s:.0f} s"
        )
        runs = {"tenant purge": purge(settings, registry(names, names[0]))}
        caller = built.calls.filter(built.calls["tenant_id"] == names[1])["phone"][0]
        runs["one caller"] = erase_caller(settings, registry(names, names[0]), names[1], caller)
    columns = ("total_s", "plan_and_needles_s", "delete_vacuum_files_s", "warehouse_rebuild_s")
    columns += ("residual_scan_s", "encryption_s")
    print(f"{'erasure':<14}" + "".join(f"{c.removesuffix('_s'):>18}" for c in columns))
    for name, run in runs.items():
        print(f"{name:<14}" + "".join(f"{run[c]:>18.1f}" for c in columns))
    for name, run in runs.items():
        print(
            f"{name}: {run['rows']} rows and {run['files']} files erased; scanned "
            f"{run['files_scanned']} files ({run['bytes_scanned'] / 1e6:.0f} MB): "
            f"{run['hits']} residual hits; {run['objects_checked']} stored objects checked gone "
            f"({run['objects_left']} left), {run['digests_searched']} digests looked for by "
            f"content; verified {run['verified']}"
        )
    purge_run, caller_run = runs["tenant purge"], runs["one caller"]
    print(
        json.dumps(
            {
                "tenant_purge_s": round(purge_run["total_s"], 1),
                "subject_erase_s": round(caller_run["total_s"], 1),
                "residual_hits": purge_run["hits"] + caller_run["hits"],
                "verified": purge_run["verified"] and caller_run["verified"],
                "segments": built.segments,
                "tenants": len(names),
                "calls": built.calls.height,
                "purge_breakdown_s": {c: round(purge_run[c], 1) for c in columns[1:]},
                "caller_breakdown_s": {c: round(caller_run[c], 1) for c in columns[1:]},
                "files_scanned": purge_run["files_scanned"],
                "objects_checked": purge_run["objects_checked"] + caller_run["objects_checked"],
                "objects_left": purge_run["objects_left"] + caller_run["objects_left"],
                "encrypted": not args.clear,
                "encryption_share": {
                    name: round(run["encryption_s"] / run["total_s"], 4)
                    for name, run in (("purge", purge_run), ("caller", caller_run))
                },
            }
        )
    )


if __name__ == "__main__":
    main()
