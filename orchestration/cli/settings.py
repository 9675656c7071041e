"""``ccr settings``: every setting with the value in force, or the reference table of the docs."""

from __future__ import annotations

import argparse
import os
from typing import Any

from transforms.core.settings import Settings, declared, markdown_table


def register(sub: Any) -> None:
    cmd = sub.add_parser("settings", help="print the effective settings and their variables")
    cmd.add_argument(
        "--markdown",
        action="store_true",
        help="print the reference table of docs/configuration.md (generated from the settings)",
    )
    cmd.set_defaults(handler=settings_command)


def settings_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.markdown:
        print(markdown_table())
        return 0
    docs = {d.var: d.doc for d in declared()}
    for name, value in settings.effective().items():
        where = "set" if os.environ.get(name) else "default"
        print(f"{name:24} {value:45} ({where}) {docs[name]}")
    return 0
