"""Storage half of the scale benchmark: the non-ASR path on local disk vs an S3 server.

For each size (10k and 100k synthetic calls by default) and each place (a local folder, a
versioned bucket on SeaweedFS started on loopback, as the S3 tests do), in the same process:

- **write**: a synthetic year of scored calls written as Delta appends into every bronze and
  silver table (``bench/kpis.py``'s ``SyntheticLakehouse``: what ingest, transcription and
  scoring leave behind, without the ASR);
- **merge**: one batch's scoring MERGE (``Lakehouse.merge`` with update, as the score asset
  writes: 500 calls' ``silver.call_scores`` rows of the largest tenant re-scored, under the
  writer lock);
- **dbt + publish**: ``dbt build`` into a new build file then the per-tenant publish, in a child
  process whose peak resident memory (dbt's subprocess included) is sampled (``bench/kpis.py``'s
  ``measure``); on S3, dbt reads the tables through the plugin's Arrow scanners.

The S3 server and the benchmark share the machine's cores, so the ratio is an upper bound of
what a remote store on a network adds to the CPU work (a real store adds latency, not CPU).

    .venv/bin/python bench/scale_storage.py                  # 10k and 100k: table, JSON line
    .venv/bin/python bench/scale_storage.py --sizes 10000    # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import kpis  # noqa: E402
from tests.s3 import seaweed  # noqa: E402
from transforms.core import object_store  # noqa: E402
from transforms.core.lakehouse import conform  # noqa: E402
from transforms.core.tables import CALL_SCORES, TableSpec  # noqa: E402

#: Calls per scoring batch (a landing batch of a large client is a few hundred calls).
MERGE_CALLS = 500
DEFAULT_SIZES = (10_000, 100_000)


class S3SyntheticLakehouse(kpis.SyntheticLakehouse):
    """The same synthetic tables, appended to an ``s3://`` lakehouse (delta-rs options from
    the ``CCR_S3_*`` settings)."""

    def __init__(self, root: str, seed: int = 0) -> None:
        super().__init__(root, seed)  # type: ignore[arg-type]

    def append(self, spec: TableSpec, table: pa.Table) -> None:
        from deltalake import write_deltalake

        if table.num_rows:
            write_deltalake(
                object_store.delta_uri(self.lakehouse.uri(spec)),
                table,
                mode="append",
                partition_by=list(spec.partition_by),
                storage_options=object_store.delta_options(),
            )


def _merge_batch(lakehouse) -> float:
    """Seconds of one scoring batch's MERGE: ``MERGE_CALLS`` calls of the largest tenant
    re-scored (updates: the files holding them are rewritten)."""
    scores = lakehouse.read(CALL_SCORES, "bench-large").head(MERGE_CALLS)
    rescored = scores.with_columns(pl.col("score") * 0.99)
    started = time.perf_counter()
    counts = lakehouse.merge(CALL_SCORES, conform(CALL_SCORES, rescored), update=True)
    seconds = time.perf_counter() - started
    if counts["num_target_rows_updated"] != rescored.height:
        raise SystemExit(f"the scoring MERGE updated {counts['num_target_rows_updated']} rows")
    return seconds


def _one(place: str, root: str, home: Path, calls: int) -> dict:
    home.mkdir(parents=True, exist_ok=True)
    os.environ["CCR_HOME"] = str(home)  # the writer lock of an S3 lakehouse lives here
    started = time.perf_counter()
    maker = S3SyntheticLakehouse if place == "s3" else kpis.SyntheticLakehouse
    synthetic = maker(root if place == "s3" else Path(root))  # type: ignore[arg-type]
    synthetic.year(calls)
    write_s = time.perf_counter() - started
    merge_s = _merge_batch(synthetic.lakehouse)
    built = kpis.measure(root, home)  # type: ignore[arg-type]
    return {
        "place": place,
        "calls": calls,
        "write_s": write_s,
        "merge_s": merge_s,
        "dbt_s": built["dbt_s"],
        "publish_s": built["publish_s"],
        "build_total_s": built["seconds"],
        "published_calls": built["calls"],
        "peak_rss_mb": built["peak_rss_mb"],
        "total_s": write_s + merge_s + built["seconds"],
    }


def _label(calls: int) -> str:
    return f"{calls // 1000}k"


def measure_storage(sizes: tuple[int, ...] = DEFAULT_SIZES) -> dict:
    """Seconds of each step at each size on local disk and on the loopback S3 server, and
    ``s3_vs_local_ratio_<size>`` (total S3 seconds / total local seconds)."""
    project = ROOT / "dbt_project"
    if not (project / "target" / "partial_parse.msgpack").exists():
        raise SystemExit("run `make install` first (it parses the dbt project)")
    runs: list[dict] = []
    saved = {k: os.environ.get(k) for k in ("CCR_HOME", "CCR_LAKEHOUSE")}
    with tempfile.TemporaryDirectory(prefix="ccr-bench-storage-") as tmp:
        folder = Path(tmp)
        (folder / "seaweedfs").mkdir()
        with seaweed.running(folder / "seaweedfs") as server:
            os.environ.update(server.env())
            try:
                for calls in sizes:
                    local = folder / f"local-{calls}"
                    runs.append(_one("local", str(local / "lakehouse"), local / "home", calls))
                    bucket = server.bucket(f"bench{calls}")
                    runs.append(
                        _one("s3", f"s3://{bucket}/lakehouse", folder / f"s3-{calls}", calls)
                    )
            finally:
                for name in [*server.env(), *saved]:
                    os.environ.pop(name, None)
                os.environ.update({k: v for k, v in saved.items() if v is not None})
    figures: dict = {"runs": runs, "cpus": os.cpu_count(), "load_1min": os.getloadavg()[0]}
    for calls in sizes:
        local, s3 = (
            next(r for r in runs if r["calls"] == calls and r["place"] == p)
            for p in ("local", "s3")
        )
        label = _label(calls)
        for step in ("write_s", "merge_s", "dbt_s", "publish_s", "total_s", "peak_rss_mb"):
            figures[f"local_{step}_{label}"] = round(local[step], 2)
            figures[f"s3_{step}_{label}"] = round(s3[step], 2)
        figures[f"s3_vs_local_ratio_{label}"] = round(s3["total_s"] / local["total_s"], 2)
    return figures


def table(figures: dict) -> str:
    header = f"{'place':<7}{'calls':>9}{'write s':>9}{'merge s':>9}{'dbt s':>8}"
    header += f"{'publish s':>10}{'total s':>9}{'peak MB':>9}"
    lines = [header]
    for r in figures["runs"]:
        lines.append(
            f"{r['place']:<7}{r['calls']:>9,}{r['write_s']:>9.1f}{r['merge_s']:>9.2f}"
            f"{r['dbt_s']:>8.1f}{r['publish_s']:>10.1f}{r['total_s']:>9.1f}"
            f"{r['peak_rss_mb']:>9.0f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    args = parser.parse_args()
    figures = measure_storage(tuple(args.sizes))
    print(
        f"non-ASR path, local disk vs SeaweedFS S3 on loopback; {figures['cpus']} CPUs, load "
        f"{figures['load_1min']:.1f} at the end (the server shares the cores)"
    )
    print(table(figures))
    print(json.dumps({k: v for k, v in figures.items() if k != "runs"}))


if __name__ == "__main__":
    main()
