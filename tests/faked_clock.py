"""Running the suite with the clock moved (Debian's ``faketime``, docs/development.md).

``faketime`` preloads libfaketime into every process started beneath it (``LD_PRELOAD`` is
inherited), so Dagster's subprocesses, dbt, the Whisper worker processes and the Celery workers
all see the same moved clock. Two servers the tests start cannot run under it:

- Debian's ``redis-server`` is linked with jemalloc, which calls ``clock_gettime`` while
  libfaketime initialises: it stops at start ("Unexpected recursive calls to clock_gettime()",
  libfaketime issue #130). It is started on the real clock instead: Celery gives Redis only
  relative durations (expiries, timeouts), never a date.
- SeaweedFS's ``weed`` is a static Go binary: the preload never reaches it, it keeps the real
  clock and refuses every S3 request signed a year away from it (``RequestTimeTooSkewed``).
  The S3 tests are skipped then; the dates they would decide are decided by the same code the
  local tests run at the moved date.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

#: The variables through which faketime moves a process's clock.
_FAKETIME_VARS = ("LD_PRELOAD", "FAKETIME", "FAKETIME_SHARED")


def clock_is_faked(env: Mapping[str, str] = os.environ) -> bool:
    """Whether processes started with ``env`` run under libfaketime."""
    return "libfaketime" in env.get("LD_PRELOAD", "")


def real_clock_env(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """``env`` without libfaketime, for a server that cannot run under it."""
    if not clock_is_faked(env):
        return dict(env)
    return {k: v for k, v in env.items() if k not in _FAKETIME_VARS}
