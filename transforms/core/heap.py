"""Give the C heap's free memory back to the system (glibc's ``malloc_trim``).

A long call's transcription allocates and frees hundreds of MB per decode batch (CTranslate2's
activations, numpy's arrays). glibc keeps freed memory in its arenas for reuse, so a worker's
resident memory climbed batch after batch with nothing holding it: +280 MB after four batches
of a 30-minute call (``bench/long_call_memory.py``). Trimming after each step that frees much
keeps the resident memory at what is live. The cost is a walk over the heap (milliseconds) and
page faults when the memory is used again.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's C library
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim with
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> None:
    """Return the heap's free pages to the system; a no-op without glibc."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
