"""One writer at a time on the lakehouse: an exclusive file lock every Delta write takes.

The Dagster run queue lets one ``ccr/delta-writer`` run at a time, but runs executed in process
(``ccr``) bypass the queue, and erasure must vacuum with no writer in the middle of a commit
(files written but not yet committed would be deleted). So every MERGE, and every vacuum, holds
``<lakehouse>/_writer.lock`` (``fcntl.flock``: released by the kernel if the process dies). The
lock is re-entrant within a process (a MERGE writes rejected rows through a nested MERGE).

Object stores have no such lock: there, concurrent Delta commits rely on the store's conditional
writes, and vacuum needs the writers paused by other means.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = "_writer.lock"

_GUARD = threading.Lock()
#: lock file -> (re-entrant lock of this process, depth, open descriptor)
_HELD: dict[str, list] = {}


def writer_lock_path(lakehouse_root: str) -> Path | None:
    """The lock file of a local lakehouse; None for an object-store URI."""
    if "://" in lakehouse_root:
        return None
    return Path(lakehouse_root) / LOCK_NAME


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
