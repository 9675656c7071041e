"""Scale-out benchmark: transcription on 1 vs 2 Celery workers, and the non-ASR path (scoring
MERGE, Delta writes, dbt, publish) at 10k and 100k synthetic calls on local disk vs S3.

The two halves are ``bench/scale_workers.py`` (real Redis and Celery workers on loopback, the
shipped sample calls through ``call_batch_job``) and ``bench/scale_storage.py`` (SeaweedFS on
loopback); each runs alone too. This script runs both, prints their tables, and ends with one
JSON line holding ``workers_speedup``, ``s3_vs_local_ratio_100k`` and the rest of both halves'
figures. On one 2-core machine both halves share the cores with what they measure (the second
worker, the S3 server): read the ratios as what this box gives, not what a second machine adds
(docs/scale-out.md says what does).

    .venv/bin/python bench/scale.py                            # the whole run (about 10 min)
    .venv/bin/python bench/scale.py --calls 4 --sizes 10000    # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scale_storage, scale_workers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=16, help="sample calls (at most 16)")
    parser.add_argument("--per-batch", type=int, default=2, help="calls per batch partition")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(scale_storage.DEFAULT_SIZES))
    args = parser.parse_args()
    load = os.getloadavg()[0]

    workers = scale_workers.measure_workers(args.calls, args.per_batch)
    print(
        f"transcription: {workers['calls']} calls, {workers['audio_s']} s of audio, "
        f"{workers['batches']} batches; {os.cpu_count()} CPUs, load {load:.1f} at the start"
    )
    print(f"{'workers':>8} {'threads':>8} {'wall s':>8} {'x real time':>12}")
    for n, suffix in ((1, "1_worker"), (2, "2_workers")):
        print(
            f"{n:>8} {workers[f'threads_per_worker_{n}']:>8} {workers[f'wall_s_{suffix}']:>8} "
            f"{workers[f'real_time_factor_{suffix}']:>12}"
        )
    print(f"workers speed-up (1 -> 2): {workers['workers_speedup']}x\n")

    storage = scale_storage.measure_storage(tuple(args.sizes))
    print("non-ASR path, local disk vs SeaweedFS S3 on loopback (the server shares the cores)")
    print(scale_storage.table(storage))
    ratios = {k: v for k, v in storage.items() if k.startswith("s3_vs_local_ratio")}
    print("S3 / local: " + ", ".join(f"{k.rsplit('_', 1)[-1]} {v}" for k, v in ratios.items()))

    figures = {
        "workers_speedup": workers["workers_speedup"],
        "s3_vs_local_ratio_100k": storage.get("s3_vs_local_ratio_100k"),
        **{k: v for k, v in workers.items() if k != "workers_speedup"},
        **{k: v for k, v in storage.items() if k != "runs"},
        "load_avg_start": round(load, 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
