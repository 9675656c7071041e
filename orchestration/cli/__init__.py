"""``ccr``: the operations people run by hand, one module per command group.

``demo`` and ``run`` execute the Dagster jobs on the instance in ``DAGSTER_HOME`` (the same runs,
hooks and checks as the sensors start); the other commands read or copy files and start no run,
except ``retention apply`` (the retention job) and ``subject erase`` (an erasure with the same
wiring as the job's, ``orchestration/lib/erasure.py``). The settings are read from the
environment once, here, and passed to the command. The process is closed here too (umask 077:
whatever a command writes is this account's alone), and a home met for the first time gets its
modes closed once (``orchestration/lib/environment.py``).
"""

from __future__ import annotations

import argparse
import sys

from orchestration.cli import (
    backup,
    compliance,
    home,
    keys,
    kpis,
    lakehouse,
    pipeline,
    retention,
    settings,
    subjects,
    ui,
)
from orchestration.lib.environment import prepare_home, process_settings
from transforms.core import storage
from transforms.core.lakehouse import UnfinishedRestore
from transforms.core.settings import SettingsError

#: Command groups, in the order ``ccr --help`` lists them.
GROUPS = (
    pipeline,
    kpis,
    settings,
    keys,
    home,
    lakehouse,
    compliance,
    retention,
    subjects,
    backup,
    ui,
)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="ccr", description=__doc__.split("\n\n")[0])
    sub = top.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        current = process_settings()
    except SettingsError as exc:
        print(f"ccr: {exc}", file=sys.stderr)
        return 2
    # `ccr settings` writes nothing: it closes a home that exists, never makes one.
    closed = prepare_home(current, create=args.command != "settings")
    if closed:
        print(
            f"ccr: closed {closed} file and folder modes under CCR_HOME, once "
            "(docs/privacy.md#files-at-rest)",
            file=sys.stderr,
        )
    # every deletion of this command is confined to its home's roots
    storage.configure_roots(storage.Roots.for_settings(current))
    try:
        return args.handler(current, args)
    except UnfinishedRestore as exc:  # every command but `backup restore` meets it first
        print(f"ccr: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
