"""``ccr home close``: give an existing ``CCR_HOME`` the modes the product now creates files
with (folders 0700, files 0600, the published warehouse by tenant: docs/privacy.md). ``ccr``
does it once by itself the first time it meets a home; this runs it again, e.g. after a restore
that brought files back with their old modes."""

from __future__ import annotations

import argparse
from typing import Any

from orchestration.lib.environment import prepare_home
from transforms.core.settings import Settings


def register(sub: Any) -> None:
    home = sub.add_parser("home", help="CCR_HOME's file modes: close an existing home")
    home_sub = home.add_subparsers(dest="action", required=True)
    home_sub.add_parser("close", help="folders 0700, files 0600, the warehouse by tenant")
    home.set_defaults(handler=home_command)


def home_command(settings: Settings, args: argparse.Namespace) -> int:
    changed = prepare_home(settings, force=True)
    print(f"{settings.home}: {changed} modes closed")
    return 0
