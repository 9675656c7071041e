"""``ccr ui users add|remove|list`` and ``ccr ui serve``: the Dagster UI behind nginx (TLS, a
password per user, operator and read-only roles; docs/security.md)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from orchestration.cli.common import prepare_dagster_home
from orchestration.lib import ui_proxy
from transforms.core.settings import Settings


def register(sub: Any) -> None:
    ui = sub.add_parser("ui", help="the Dagster UI behind nginx: users, serve (docs/security.md)")
    ui_sub = ui.add_subparsers(dest="action", required=True)
    serve = ui_sub.add_parser(
        "serve", help="nginx (TLS, passwords) in front of the UI; make dev-secure"
    )
    serve.set_defaults(handler=serve_command)
    users = ui_sub.add_parser("users", help="who may open the UI, with which role")
    users_sub = users.add_subparsers(dest="users_action", required=True)
    add = users_sub.add_parser("add", help="add a user or change their password or role")
    add.add_argument("name")
    add.add_argument("--role", choices=ui_proxy.ROLES, default="readonly")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(handler=users_command)
    rm = users_sub.add_parser("remove", help="remove a user")
    rm.add_argument("name")
    rm.set_defaults(handler=users_command)
    listed = users_sub.add_parser("list", help="user names and roles (never the hashes)")
    listed.set_defaults(handler=users_command)


def serve_command(settings: Settings, args: argparse.Namespace) -> int:
    try:
        return ui_proxy.serve(settings, prepare_dagster_home(settings))
    except ui_proxy.UiError as exc:
        print(exc)
        return 2


def users_command(settings: Settings, args: argparse.Namespace) -> int:
    paths = ui_proxy.Paths.of(settings)
    try:
        if args.users_action == "list":
            for name, (_, role) in sorted(ui_proxy.read_users(paths.users).items()):
                print(f"{name:24} {role}")
            return 0
        if args.users_action == "remove":
            if not ui_proxy.remove_user(paths, args.name):
                print(f"no UI user {args.name}")
                return 2
        else:
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = getpass.getpass(f"password for {args.name}: ")
                if getpass.getpass("again: ") != password:
                    print("the two passwords differ; nothing changed")
                    return 2
            ui_proxy.add_user(paths, args.name, password, args.role)
    except ui_proxy.UiError as exc:
        print(exc)
        return 2
    reloaded = ui_proxy.reload_proxy(paths)
    print(f"{paths.users} updated" + ("; the running proxy reloaded its roles" if reloaded else ""))
    return 0
