"""Test-only child process: land one partition as the ingest asset does, and die by SIGKILL at a
named commit point (``test_bad_input.test_kill_9_at_each_commit_point_then_rerun``).

The hook lives here, in the test's own script: production code has no crash switch. Usage:
``python tests/integration/crash_ingest.py <point> <partition key>`` with the test's CCR_* env.
"""

from __future__ import annotations

import os
import signal
import sys

from transforms.core import lakehouse, storage
from transforms.core.context import StepContext
from transforms.core.settings import Settings
from transforms.core.tables import CALLS, QUARANTINE
from transforms.ingest import step


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def hook(point: str, settings: Settings) -> None:
    """Wrap the storage or table call the point names so the process dies right there."""
    write, merge = storage.write_bytes, lakehouse.Lakehouse.merge
    delete, remove = storage.delete_file, storage.remove_empty_folder
    deleted = []

    def write_hook(uri: str, data: bytes) -> None:
        if not uri.startswith(settings.audio_store):
            return write(uri, data)
        if point == "mid-object-write":
            fs, path = storage.filesystem(uri)
            fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
            with fs.open_output_stream(storage._partial(path)) as out:
                out.write(data[: len(data) // 2])
            die()
        write(uri, data)
        if point == "after-first-object":
            die()

    def merge_hook(self, spec, data, **kwargs):
        counts = merge(self, spec, data, **kwargs)
        if (point, spec) in (
            ("after-calls-commit", CALLS),
            ("after-quarantine-commit", QUARANTINE),
        ):
            die()
        return counts

    def delete_hook(uri: str) -> None:
        if point == "before-manifest-delete" and uri.endswith("/manifest.csv"):
            die()
        delete(uri)
        deleted.append(uri)
        if point == "after-first-landing-delete":
            die()

    def remove_hook(uri: str) -> bool:
        if point == "before-folder-removal":
            die()
        return remove(uri)

    storage.write_bytes = write_hook
    lakehouse.Lakehouse.merge = merge_hook
    storage.delete_file = delete_hook
    storage.remove_empty_folder = remove_hook


if __name__ == "__main__":
    point, key = sys.argv[1], sys.argv[2]
    settings = Settings.from_env(os.environ)
    hook(point, settings)
    step.run(StepContext.of(settings), key)
    sys.exit(f"{point}: the crash point was never reached")
