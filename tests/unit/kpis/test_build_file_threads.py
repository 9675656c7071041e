"""The erasure's build-file rewrite while the publish reads the same file in another thread.

``kpi_build.rebuild_models`` publishes from the build file while ``build_file.compact`` writes it
anew. DuckDB's Python client shares one database per file among a process's connections and, when
another thread opens or closes one at that moment, can fail a registered Arrow table's scan
("python_arrow_scan does not exist"): an erasure then stopped after deleting the rows, without its
certificate. Seen once in four benchmark runs; here the reads are made as often as possible.
"""

from __future__ import annotations

import threading
from datetime import date

import duckdb
import pyarrow as pa

from transforms.kpis import build_file

ROUNDS = 60


def _build(path: str) -> None:
    with duckdb.connect(path) as con:
        con.execute(
            "create table fct_calls as select 't1' as tenant_id, 'c' || range as call_uid, "
            "date '2026-11-02' as call_date from range(200)"
        )
        con.execute("create table dim_dates as select date '2026-11-02' as d")


def _changes(erased: list[str], kept: list[str]) -> pa.Table:
    uids = erased + kept
    return pa.table(
        {
            "tenant_id": ["t1"] * len(uids),
            "call_uid": uids,
            "call_date": [date(2026, 11, 2)] * len(uids),
            "erased": [True] * len(erased) + [False] * len(kept),
        }
    )


class Reader:
    """The publish's reads of the build file: read-only connections, opened and closed, in
    another thread, until the erasure swaps the new file in."""

    def __init__(self, path: str, failures: list[BaseException]) -> None:
        self.path, self.failures = path, failures
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                with duckdb.connect(self.path, read_only=True) as con:
                    con.execute("select count(*) from fct_calls").fetchone()
        except BaseException as exc:  # reported by the test
            self.failures.append(exc)

    def done(self) -> None:
        self.stop.set()
        self.thread.join()


def test_the_build_file_is_marked_and_compacted_while_another_thread_reads_it(tmp_path):
    path = str(tmp_path / "kpis.build.duckdb")
    _build(path)
    failures: list[BaseException] = []
    for i in range(ROUNDS):
        calls = _changes([f"c{i}"], [f"c{i + 100}"])
        build_file.mark_erasure(path, calls)
        reader = Reader(path, failures)
        try:
            build_file.compact(path, calls, before_swap=reader.done)
        finally:
            reader.done()
    assert not failures
    with duckdb.connect(path, read_only=True) as con:
        left = {r[0] for r in con.execute("select call_uid from fct_calls").fetchall()}
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert left == {f"c{i}" for i in range(ROUNDS, 200)}  # every erased call gone, no other
    assert build_file.ERASURE_CHANGES not in tables and "dim_dates" in tables
