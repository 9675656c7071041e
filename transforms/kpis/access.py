"""Who may open a published file: the file-system permissions of the BI folder.

DuckDB has no users and no row-level security: a connection that can open a file reads all of
it. So each tenant gets a file of its own and the operating system decides who opens it:

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
