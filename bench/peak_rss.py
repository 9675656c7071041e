"""Peak memory of a child process tree, for the benchmark scripts.

Each measured run is its own process so its peak is its own; the resident set of the process and
all its children (worker processes included) is sampled every 0.1 s.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading


def tree_rss_mb(pid: int) -> float:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total / 2**20


def run_measured(command: list[str], what: str) -> float:
    """Run ``command``; its peak process-tree RSS in MiB. A failed run stops the benchmark."""
    proc = subprocess.Popen(command)
    peak = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss_mb(proc.pid))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rc = proc.wait()
    stop.set()
    sampler.join()
    if rc != 0:
        raise SystemExit(f"{what} run failed with exit code {rc}")
    return peak
