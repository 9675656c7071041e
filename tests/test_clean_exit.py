"""A ``ccr`` command that reads Delta tables exits cleanly, every time, in a fresh process.

deltalake 1.6.6 with pyarrow 26: ``DeltaTable(path).to_pyarrow_table()`` then interpreter exit
aborts ("terminate called without an active exception", exit 134) in about one run in four on
our machines: Arrow's scanner threads outlive teardown. ``Lakehouse.read`` goes another way
(a pruned dataset scan); nothing but this test guards that it stays clean. A crash at exit would
fail cron jobs and BI refresh scripts that check the exit status.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.row_fixtures import call, transcript
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.tables import CALLS, TRANSCRIPTS

RUNS = 20
#: Two at a time: the machine has two cores, and a run is mostly interpreter start-up.
PARALLEL = 2


def test_a_delta_reading_command_exits_0_in_20_fresh_processes(ccr_home):
    lh = Lakehouse(ccr_home.lakehouse)
    calls = [call(f"u{i}", "acme-telecom", None, "acme-a01", 2) for i in range(3)]
    lh.merge(CALLS, conform(CALLS, calls))
    lh.merge(
        TRANSCRIPTS,
        conform(TRANSCRIPTS, [transcript(c["call_uid"], "acme-telecom") for c in calls]),
    )
    ccr = Path(sys.executable).parent / "ccr"
    command = [str(ccr), "compliance", "breach", "--tables", "calls", "transcripts",
               "--since", "2026-11-01", "--until", "2026-11-05", "--json"]  # fmt: skip

    def once(_: int) -> tuple[int, str]:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        return done.returncode, done.stdout + done.stderr[-2000:]

    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(once, range(RUNS)))
    failures = [(rc, out) for rc, out in results if rc != 0]
    assert failures == [], f"{len(failures)} of {RUNS} runs failed; first: {failures[:1]}"
    assert all('"calls": 3' in out for _, out in results)  # each run really read the tables
