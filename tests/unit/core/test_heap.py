"""Freed memory goes back to the system (glibc), and the call is harmless anywhere."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from transforms.core.heap import _malloc_trim, release_free_memory


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_heap_memory_is_returned() -> None:
    """Many small arrays (heap, not mmap: as CTranslate2's and numpy's batch temporaries end
    up after glibc raises its mmap threshold) freed: trimming gives their pages back."""
    if _malloc_trim() is None:
        pytest.skip("not glibc")
    blocks = [np.ones(16_000, dtype=np.float64) for _ in range(2_000)]  # 256 MB in 128 KB
    keep = blocks[-1]
    del blocks
    before = _rss_mb()
    release_free_memory()
    assert _rss_mb() < before - 100
    assert keep.sum() == 16_000


def test_release_is_idempotent() -> None:
    release_free_memory()
    release_free_memory()
