"""Who may open what under ``CCR_HOME``: closed by default, the published files by tenant.

Everything the product writes is its account's alone: the processes run with umask 077
(``orchestration/lib/environment.py`` sets it at each process edge), so new folders are ``0700``
and new files ``0600`` — the Dagster instance, the lakehouse (Parquet, recordings, quarantine),
the ledger, exports, landing copies, logs. ``close_home`` gives an existing home (written under
umask 022) the same modes once (``ccr`` runs it the first time it meets a home).

Only the published warehouse is shared, by tenant. DuckDB has no users and no row-level
security: a connection that can open a file reads all of it, so each tenant gets a file of its
own and the operating system decides who opens it:

- ``$CCR_HOME`` (and any folder between it and the warehouse) is ``0711``: the BI accounts pass
  through it to the warehouse; none lists it, and everything else in it is closed;
- ``$CCR_WAREHOUSE`` and ``$CCR_WAREHOUSE/tenants`` are ``0711``: any account may pass through to
  a file whose name it knows, none but the owner may list them (a tenant cannot learn which other
  tenants exist);
- ``tenants/<tenant>.duckdb`` and ``tenants/<tenant>.html`` are ``0440`` with the group of the
  tenant's ``bi_group`` (``config/tenants.yaml``): the tenant's BI account, a member of that group,
  reads them; no one writes them. Without a ``bi_group``, or when that group does not exist on the
  machine, they are ``0400``: only the account that publishes reads them (fail closed);
- files are built in ``tenants/.publishing/`` (``0700``) and renamed into place with their final
  mode and group already set, so no half-built or wrongly shared file is ever visible.

The publishing account must own the folder and be a member of every ``bi_group`` (``chgrp`` to a
group one is not in is refused), or run as root.
"""

from __future__ import annotations

import grp
import logging
import os
import re
import stat
from pathlib import Path

log = logging.getLogger(__name__)

#: Pass-through folders: others may open a file whose name they know, not list the folder.
TRAVERSE_ONLY = 0o711
PRIVATE_DIR = 0o700
#: A published file read by its tenant's BI group.
GROUP_READ = 0o440
#: A published file with no BI group to share it with: the owner alone reads it.
OWNER_READ = 0o400

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def safe_file_stem(tenant_id: str) -> str:
    """The tenant id as a file name, refused if it could leave the folder or hide a file."""
    if not _SAFE_NAME.match(tenant_id):
        raise ValueError(
            f"tenant id {tenant_id!r} cannot name a published file: use letters, digits, '.', '_' "
            "and '-', starting with a letter or digit"
        )
    return tenant_id


def group_id(group: str | None) -> int | None:
    """The id of ``group``, or None when it is unset or does not exist on this machine."""
    if not group:
        return None
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        log.warning("bi_group %r does not exist on this machine: files stay owner-only", group)
        return None


def make_dir(path: Path, mode: int) -> Path:
    """Create ``path`` (and parents) and set its mode, whatever the umask."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    return path


def share_read_only(path: Path, gid: int | None) -> int:
    """Make ``path`` read-only: for group ``gid`` and its owner, or for its owner alone.

    Returns the mode set. A group the publishing account may not give files to is an error (the
    file would otherwise silently stay unreadable for the tenant's BI account).
    """
    if gid is None:
        os.chmod(path, OWNER_READ)
        return OWNER_READ
    try:
        os.chown(path, -1, gid)
    except PermissionError as exc:
        raise PermissionError(
            f"cannot give {path.name} to group id {gid}: the publishing account must be a member "
            "of every tenant's bi_group (see docs/bi.md)"
        ) from exc
    os.chmod(path, GROUP_READ)
    return GROUP_READ


def fsync_dir(path: Path) -> None:
    """Make the renames in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: What ``close_home`` leaves in ``$CCR_HOME`` once it has run: the home is closed once, by the
#: first ``ccr`` of a version that closes homes (or ``ccr home close``, any time).
CLOSED_MARKER = ".modes-closed"


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def close_home(home: Path, warehouse: Path) -> int:
    """Give every folder and file under ``home`` its closed mode; the number changed.

    Folders ``0700`` and files without group or other bits (``0600``), except: ``home`` and the
    folders between it and ``warehouse`` ``0711`` (when the warehouse is inside the home; else
    ``0700``), ``warehouse`` and ``warehouse/tenants`` ``0711``, the published files keeping their
    group read (other bits removed), ``tenants/.publishing`` ``0700``. Links are neither followed
    nor changed. Files another account owns are left as they are (counted in the log only).
    """
    home, warehouse = Path(home).absolute(), Path(warehouse).absolute()
    tenants = warehouse / "tenants"
    passages = {home, *[p for p in warehouse.parents if _inside(p, home)], warehouse, tenants}
    if not _inside(warehouse, home):
        passages = {warehouse, tenants}
    changed = 0

    def wanted(path: Path, mode: int, is_dir: bool) -> int:
        if is_dir:
            return TRAVERSE_ONLY if path in passages else PRIVATE_DIR
        if path.parent == tenants:  # a published file: its group reads it, others never
            return mode & 0o750
        return mode & 0o700

    def fix(path: Path) -> None:
        nonlocal changed
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISLNK(st.st_mode):
            return
        is_dir = stat.S_ISDIR(st.st_mode)
        mode = stat.S_IMODE(st.st_mode)
        if not is_dir and path == home / CLOSED_MARKER:
            mode = mode & 0o700
        target = wanted(path, mode, is_dir)
        if target != mode:
            try:
                os.chmod(path, target, follow_symlinks=False)
                changed += 1
            except PermissionError:
                log.warning("cannot close the mode of a file another account owns")

    for root in (home, *(() if _inside(warehouse, home) else (warehouse,))):
        if not root.exists():
            continue
        fix(root)
        for folder, dirs, files in os.walk(root, followlinks=False):
            for name in dirs + files:
                fix(Path(folder) / name)
    return changed
