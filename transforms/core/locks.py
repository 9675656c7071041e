"""One writer at a time on the lakehouse: an exclusive file lock every Delta write takes.

The Dagster run queue lets one ``ccr/delta-writer`` run at a time, but runs executed in process
(``ccr``) bypass the queue, and erasure must vacuum with no writer in the middle of a commit
(files written but not yet committed would be deleted). So every MERGE, and every vacuum, holds
``<lakehouse>/_writer.lock`` (``fcntl.flock``: released by the kernel if the process dies). The
lock is re-entrant within a process (a MERGE writes rejected rows through a nested MERGE).

A lakehouse on an object store has no folder to hold the lock: its lock file is under
``$CCR_HOME/locks/`` instead, named by a hash of the lakehouse URI. It still serialises the
processes of one host (MERGEs, and a vacuum against them); what makes commits from several
hosts safe is delta-rs's conditional put (``transforms.core.object_store``): a commit that loses
the race for a log version retries on the new one. A vacuum still needs the writers of the
other hosts paused (docs/object-storage.md).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = "_writer.lock"

_GUARD = threading.Lock()
#: lock file -> (re-entrant lock of this process, depth, open descriptor)
_HELD: dict[str, list] = {}


def writer_lock_path(lakehouse_root: str, locks_dir: str | None = None) -> Path | None:
    """The lock file of a lakehouse: in its folder, or for an object-store URI in ``locks_dir``
    (``$CCR_HOME/locks``; None without one)."""
    if "://" not in lakehouse_root:
        return Path(lakehouse_root) / LOCK_NAME
    if locks_dir is None:
        return None
    digest = hashlib.sha256(lakehouse_root.rstrip("/").encode()).hexdigest()[:16]
    return Path(locks_dir) / f"writer-{digest}.lock"


@contextmanager
def exclusive(lock_file: Path | None) -> Iterator[None]:
    """Hold ``lock_file`` exclusively (waits for other processes); a no-op for None."""
    if lock_file is None:
        yield
        return
    key = str(lock_file)
    with _GUARD:
        entry = _HELD.setdefault(key, [threading.RLock(), 0, None])
    rlock = entry[0]
    with rlock:
        if entry[1] == 0:
            lock_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            entry[2] = fd
        entry[1] += 1
        try:
            yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                fcntl.flock(entry[2], fcntl.LOCK_UN)
                os.close(entry[2])
                entry[2] = None
