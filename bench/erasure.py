"""Erasure benchmark: a tenant purge and a one-caller erasure on a synthetic lakehouse.

A lakehouse of ``--tenants`` tenants and ``--segments`` transcript segments (default 20 and one
million; no ASR: made-up words through the contracts' schemas, ``tests/synthetic_lakehouse.py``),
with a recording and a playback copy per call, the KPI warehouse built from it by the real dbt
project. Then, timed end to end as ``ccr`` runs them (Dagster aside):

- a tenant purge: plan (contract ended 31 days before), needles, deletes, vacuum, checkpoint and
  log clean-up of every table, files, dbt rebuild of the warehouse into new files, residual
  scan of every file (strings, and the bytes: every recording checked gone by location, every
  file of an erased object's size hashed against the recorded digests), ledger and certificate;
- a one-caller erasure: the same steps for one caller of another tenant, found by number;
- the same for a third caller as a user runs it: ``ccr subject erase`` in a new process (its
  imports, dbt's first run in the process, the Dagster instance), the row ``one caller, ccr``.

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
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Collection
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestration.defs.kpis.resources import dbt_cli  # noqa: E402
from orchestration.lib.kpi_build import rebuild_models, rebuild_warehouse  # noqa: E402
from tests.synthetic_lakehouse import Built, build  # noqa: E402
from transforms.compliance import step, subjects  # noqa: E402
from transforms.compliance.erasure import Hooks, carry_out, retention_request  # noqa: E402
from transforms.compliance.kpi_changes import KpiChanges  # noqa: E402
from transforms.core.context import StepContext  # noqa: E402
from transforms.core.crypto import TenantCipher  # noqa: E402
from transforms.core.keys import FileKeyStore  # noqa: E402
from transforms.core.lakehouse import Lakehouse  # noqa: E402
from transforms.core.settings import Settings  # noqa: E402
from transforms.core.tenants import Tenant  # noqa: E402
from transforms.kpis import step as publish_step  # noqa: E402

AS_OF = date(2026, 12, 20)


def cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (dbt): comparable on a busy box."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class Timed:
    """The warehouse rebuild as the erasure hooks run it (``kpi_build.rebuild_warehouse``: the
    publish runs while the build file is written anew), the publish timed on its own and the
    rest counted as the rebuild (dbt's output kept off the terminal)."""

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx
        self.seconds = {"rebuild": 0.0, "publish": 0.0}
        self.incremental = False

    def rebuild(self, changes: KpiChanges) -> None:
        started, published = time.perf_counter(), self.seconds["publish"]
        with contextlib.redirect_stdout(io.StringIO()):
            self.incremental = rebuild_models(
                dbt_cli(), self.ctx, changes.calls, then=lambda: self.publish(changes)
            )
        published = self.seconds["publish"] - published
        self.seconds["rebuild"] += time.perf_counter() - started - published

    def publish(self, changes: KpiChanges) -> None:
        started = time.perf_counter()
        publish_step.run(self.ctx, rewrite=True, only=changes.tenants)
        self.seconds["publish"] += time.perf_counter() - started


def registry(tenants: list[str], ended: Collection[str]) -> dict[str, Tenant]:
    end = AS_OF - timedelta(days=31)
    return {
        t: Tenant(t, t, ("en",), "standard", contract_end=end if t in ended else None)
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


def purge(settings: Settings, tenants: dict[str, Tenant], narrow: bool) -> dict:
    """As the retention job does it (``transforms.compliance.step``), with no Dagster instance."""
    TimedCipher.seconds = 0.0
    ctx = context(settings, tenants)
    timer = Timed(ctx)
    cpu, started = cpu_seconds(), time.perf_counter()
    request = retention_request(ctx.lakehouse, step.plan(ctx))
    prepared = time.perf_counter() - started
    hooks = Hooks(
        rebuild_warehouse=timer.rebuild,
        forget_partitions=lambda tenant: 0,  # no Dagster instance in the benchmark
        remaining=step.remaining_after_retention(ctx, AS_OF),
    )
    stages: dict[str, float] = {}
    certificate = carry_out(
        request, ctx.lakehouse, settings, ctx.keys, hooks, ctx.now(), narrow=narrow, stages=stages
    )
    total = time.perf_counter() - started
    return figures(certificate, total, cpu_seconds() - cpu, prepared, stages, timer)


def erase_caller(
    settings: Settings, tenants: dict[str, Tenant], tenant: str, phone: str, narrow: bool
) -> dict:
    """As ``ccr subject erase`` does it, with no Dagster instance."""
    TimedCipher.seconds = 0.0
    ctx = context(settings, tenants)
    lh, keys = ctx.lakehouse, ctx.keys
    subject = subjects.Subject(tenant, "caller", phone)
    timer = Timed(ctx)
    cpu, started = cpu_seconds(), time.perf_counter()
    request = subjects.erasure(lh, settings, keys, subject)
    prepared = time.perf_counter() - started
    hooks = Hooks(
        rebuild_warehouse=timer.rebuild,
        forget_partitions=lambda tenant: 0,
        remaining=lambda: 0 if subjects.find(lh, settings, keys, subject).empty else 1,
    )
    stages: dict[str, float] = {}
    certificate = carry_out(
        request, lh, settings, keys, hooks, ctx.now(), narrow=narrow, stages=stages
    )
    total = time.perf_counter() - started
    return figures(certificate, total, cpu_seconds() - cpu, prepared, stages, timer)


#: The table's columns: the stages of an erasure, in their order.
STAGES = (
    "plan",  # the request: plan or subject lookup, needles, stored objects
    "delete_rows",  # Delta deletes, vacuum, checkpoint, log clean-up (and reading the changes)
    "delete_files",  # recordings, playback copies, quarantined bytes, landing; dbt artifacts
    "rebuild",  # the dbt run (incremental: build file marked, run, written anew)
    "publish",  # the touched tenants' published files and reports, written anew
    "scan",  # the residual scan with the byte checks
    "ledger",  # object versions, partitions, keys, what is left, ledger and certificate
)


def figures(
    certificate: dict, total: float, cpu: float, prepared: float, stages: dict, timer: Timed
) -> dict:
    scan = certificate["verification"]
    rebuilt = stages.get("rebuild_and_publish", 0.0)
    table = {
        "plan": prepared,
        "delete_rows": stages.get("changes", 0.0) + stages.get("delete_rows", 0.0),
        "delete_files": stages.get("delete_files", 0.0),
        "rebuild": timer.seconds["rebuild"],
        "publish": rebuilt - timer.seconds["rebuild"],
        "scan": stages.get("residual_scan", 0.0),
        "ledger": sum(stages.get(k, 0.0) for k in ("forget", "verify", "ledger")),
    }
    return {
        "total_s": total,
        "cpu_s": cpu,
        "stages_s": table,
        "incremental_rebuild": timer.incremental,
        "encryption_s": TimedCipher.seconds,
        "rows": sum(t["rows_deleted"] + t["rows_nulled"] for t in certificate["tables"]),
        "files": sum(certificate["files"].values()),
        "hits": scan["hits"],
        "verified": scan["passed"],
        "canary_found": scan["canary_found"],
        "files_scanned": scan["files_scanned"],
        "bytes_scanned": scan["bytes_scanned"],
        "files_not_read": scan.get("files_not_read", 0),
        "objects_checked": sum(scan["objects"]["locations_checked"].values()),
        "objects_left": sum(scan["objects"]["locations_left"].values()),
        "digests_searched": sum(scan["objects"]["digests_searched"].values()),
    }


def erase_caller_command(settings: Settings, registry_file: Path, tenant: str, phone: str) -> dict:
    """``ccr subject erase`` in a new process, as a user runs it; wall clock and CPU of the
    process. Its Dagster instance and run log are the home's; its date is today's."""
    from orchestration.lib.environment import prepare_home

    prepare_home(settings)  # the once-per-home closing of modes is no part of an erasure
    env = {
        **os.environ,
        "CCR_HOME": settings.home,
        "CCR_KEYS": settings.keys,
        "CCR_TENANTS_FILE": str(registry_file),
    }
    command = [str(Path(sys.executable).parent / "ccr"), "subject", "erase"]
    command += ["--tenant", tenant, "--phone", phone]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    total = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"ccr subject erase failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    return {"total_s": total, "cpu_s": cpu, "verified": "verified: True" in done.stdout}


def write_registry(path: Path, tenants: list[str]) -> Path:
    """The registry ``ccr`` reads (``CCR_TENANTS_FILE``): the benchmark's tenants."""
    lines = ["tenants:"]
    for t in tenants:
        lines += [f"  {t}:", f"    display_name: {t}", "    languages: [en]"]
        lines += ["    scorecard: standard"]
    path.write_text("\n".join(lines) + "\n")
    return path


def home_settings(home: Path) -> Settings:
    return Settings.from_env({"CCR_HOME": str(home), "CCR_KEYS": str(home / "keys")})


def build_home(
    home: Path, names: list[str], per_tenant: int, segments_per_call: int, clear: bool
) -> Built:
    """The synthetic lakehouse under ``home`` and the KPI warehouse built from it."""
    settings = home_settings(home)
    started = time.perf_counter()
    built = build(settings, names, per_tenant, segments_per_call, fast=True, encrypt=not clear)
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
    return built


#: What a kept fixture remembers of its build (``--workdir``), beside it (never in the home:
#: the residual scan would find the numbers): the calls, their numbers; the sizes.
BUILT_CALLS, BUILT_FACTS = ".calls.parquet", ".json"


def fixture_home(
    home: Path,
    fixture: Path,
    names: list[str],
    per_tenant: int,
    segments_per_call: int,
    clear: bool,
) -> Built:
    """``home`` as ``fixture`` keeps it: built there once and copied into ``fixture``, later
    copied back (the same absolute path each time: dbt's parse of the project, which names the
    lakehouse, stays valid)."""
    shutil.rmtree(home, ignore_errors=True)
    kept_calls, kept_facts = (
        fixture.with_name(fixture.name + x) for x in (BUILT_CALLS, BUILT_FACTS)
    )
    if not kept_facts.exists():
        built = build_home(home, names, per_tenant, segments_per_call, clear)
        shutil.rmtree(fixture, ignore_errors=True)
        shutil.copytree(home, fixture, symlinks=True)
        built.calls.write_parquet(kept_calls)
        facts = {"segments": built.segments, "files": built.files}
        kept_facts.write_text(json.dumps(facts))  # last: the fixture is complete
        return built
    started = time.perf_counter()
    shutil.copytree(fixture, home, symlinks=True)
    facts = json.loads(kept_facts.read_text())
    calls = pl.read_parquet(kept_calls)
    print(
        f"{len(names)} tenants, {calls.height} calls, {facts['segments']} segments, "
        f"{len(facts['files'])} files: kept fixture {fixture} copied in "
        f"{time.perf_counter() - started:.0f} s"
    )
    return Built(names, calls, facts["segments"], facts["files"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=20, help="at least 5 (3 with --paths)")
    parser.add_argument("--calls", type=int, default=None, help="in all the tenants")
    parser.add_argument("--segments", type=int, default=1_000_000, help="in all the tenants")
    parser.add_argument("--segments-per-call", type=int, default=20)
    parser.add_argument(
        "--paths",
        choices=("both", "narrowed", "full"),
        default="both",
        help="narrowed: the product's (incremental rebuild, scan of what could hold the erased "
        "data); full: every mart rebuilt, every file read (as before issue 23); both: each on "
        "its own tenant and caller, in one sitting",
    )
    parser.add_argument("--home", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the lakehouse and its warehouse, as built, in this folder and erase in a "
        "copy of it: a later run with the same sizes skips the build (minutes at 50,000 calls)",
    )
    parser.add_argument(
        "--clear",
        action="store_true",
        help="free text and files in clear, as before encryption (to compare with)",
    )
    args = parser.parse_args()
    segments = args.calls * args.segments_per_call if args.calls else args.segments
    paths = ("narrowed", "full") if args.paths == "both" else (args.paths,)
    # distinct first letters: the synthetic ids start with them, so no id repeats elsewhere
    names = [f"t{i:02d}-corp" for i in range(args.tenants)]
    if len(names) < 2 * len(paths) + 1:
        parser.error(f"--tenants: at least {2 * len(paths) + 1} with --paths {args.paths}")
    per_tenant = segments // args.tenants // args.segments_per_call
    with tempfile.TemporaryDirectory(prefix="ccr-erasure-bench-") as scratch:
        if args.workdir:
            sizes = f"{args.tenants}x{per_tenant}x{args.segments_per_call}"
            fixture = args.workdir / f"fixture-{sizes}{'-clear' if args.clear else ''}"
            home = args.workdir / "home"
            built = fixture_home(
                home, fixture, names, per_tenant, args.segments_per_call, args.clear
            )
        else:
            home = args.home or Path(scratch)
            built = build_home(home, names, per_tenant, args.segments_per_call, args.clear)
        settings = home_settings(home)
        runs: dict[str, dict] = {}
        ended: list[str] = []
        for i, path in enumerate(paths):
            # each path purges its own tenant and erases a caller of another
            purged, other = names[2 * i], names[2 * i + 1]
            ended.append(purged)
            runs[f"tenant purge, {path}"] = purge(
                settings, registry(names, ended), path == "narrowed"
            )
            caller = built.calls.filter(built.calls["tenant_id"] == other)["phone"][0]
            runs[f"one caller, {path}"] = erase_caller(
                settings, registry(names, ended), other, caller, path == "narrowed"
            )
        # a caller of a tenant neither path touched, erased by the command
        commanded = names[2 * len(paths)]
        caller = built.calls.filter(built.calls["tenant_id"] == commanded)["phone"][0]
        command_run = erase_caller_command(
            settings, write_registry(Path(scratch) / "tenants.yaml", names), commanded, caller
        )
    width = max(len(n) for n in runs) + 2
    print(f"{'erasure (s)':<{width}}{'total':>8}{'cpu':>8}" + "".join(f"{c:>13}" for c in STAGES))
    for name, run in runs.items():
        print(
            f"{name:<{width}}{run['total_s']:>8.1f}{run['cpu_s']:>8.1f}"
            + "".join(f"{run['stages_s'][c]:>13.2f}" for c in STAGES)
        )
    print(
        f"{'one caller, ccr':<{width}}{command_run['total_s']:>8.1f}{command_run['cpu_s']:>8.1f}"
        + "".join(f"{'-':>13}" for _ in STAGES)
    )
    for name, run in runs.items():
        print(
            f"{name}: {run['rows']} rows and {run['files']} files erased; rebuild "
            f"{'incremental' if run['incremental_rebuild'] else 'full'}; scanned "
            f"{run['files_scanned']} files ({run['bytes_scanned'] / 1e6:.0f} MB), "
            f"{run['files_not_read']} others' unchanged files listed, not read: {run['hits']} "
            f"residual hits, canary found {run['canary_found']}; {run['objects_checked']} stored "
            f"objects checked gone ({run['objects_left']} left), {run['digests_searched']} "
            f"digests looked for by content; verified {run['verified']}; "
            f"{run['encryption_s']:.2f} s encrypting and decrypting"
        )
    main_path = paths[0]
    purge_run, caller_run = runs[f"tenant purge, {main_path}"], runs[f"one caller, {main_path}"]
    out = {
        "tenant_purge_s": round(purge_run["total_s"], 1),
        "subject_erase_s": round(caller_run["total_s"], 1),
        "subject_erase_cli_s": round(command_run["total_s"], 1),
        "subject_erase_cli_cpu_s": round(command_run["cpu_s"], 1),
        "residual_hits": sum(r["hits"] for r in runs.values()),
        "verified": all(r["verified"] for r in runs.values()) and command_run["verified"],
        "paths": main_path,
        "segments": built.segments,
        "tenants": len(names),
        "calls": built.calls.height,
        "purge_breakdown_s": {c: round(v, 2) for c, v in purge_run["stages_s"].items()},
        "caller_breakdown_s": {c: round(v, 2) for c, v in caller_run["stages_s"].items()},
        "tenant_purge_cpu_s": round(purge_run["cpu_s"], 1),
        "subject_erase_cpu_s": round(caller_run["cpu_s"], 1),
        "files_scanned": purge_run["files_scanned"],
        "objects_checked": sum(r["objects_checked"] for r in runs.values()),
        "objects_left": sum(r["objects_left"] for r in runs.values()),
        "encrypted": not args.clear,
        "encryption_share": {
            name: round(run["encryption_s"] / run["total_s"], 4)
            for name, run in (("purge", purge_run), ("caller", caller_run))
        },
    }
    if "full" in paths and main_path != "full":
        out |= {
            "tenant_purge_full_s": round(runs["tenant purge, full"]["total_s"], 1),
            "subject_erase_full_s": round(runs["one caller, full"]["total_s"], 1),
            "tenant_purge_full_cpu_s": round(runs["tenant purge, full"]["cpu_s"], 1),
            "subject_erase_full_cpu_s": round(runs["one caller, full"]["cpu_s"], 1),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
