"""The lakehouse writer lock: re-entrant in a process, exclusive across processes."""

from __future__ import annotations

import subprocess
import sys

from transforms.core.locks import exclusive, writer_lock_path

TRY_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(3)
"""


def other_process_can_lock(path) -> bool:
    done = subprocess.run([sys.executable, "-c", TRY_LOCK, str(path)], timeout=60)
    return done.returncode == 0


def test_the_lock_is_reentrant_here_and_exclusive_for_other_processes(tmp_path):
    path = writer_lock_path(str(tmp_path / "lakehouse"))
    with exclusive(path):
        with exclusive(path):  # a MERGE writing rejected rows nests a MERGE
            assert not other_process_can_lock(path)
        assert not other_process_can_lock(path)
    assert other_process_can_lock(path)


def test_object_stores_have_no_file_lock():
    assert writer_lock_path("s3://bucket/lake") is None
    with exclusive(None):
        pass
