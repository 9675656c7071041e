"""One real dbt build of the synthetic lakehouse, shared by the dbt tests of a session."""

from __future__ import annotations

import json

import pytest

from tests.dbt.synthetic import build_frames, record_sample_reviews, run_dbt, write_lakehouse


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """``dbt build`` (models, data tests, unit tests) into a build file; never modify it."""
    work = tmp_path_factory.mktemp("dbt_build")
    lakehouse = work / "lakehouse"
    warehouse = work / "build" / "kpis.build.duckdb"
    warehouse.parent.mkdir(parents=True)
    frames = build_frames()
    write_lakehouse(lakehouse, frames)
    record_sample_reviews(lakehouse)

    # a zone far from UTC: call_date must not depend on it
    result = run_dbt(["build"], work, lakehouse, warehouse, {"TZ": "Pacific/Auckland"})
    run_results_path = work / "target" / "run_results.json"
    run_results = json.loads(run_results_path.read_text()) if run_results_path.exists() else None
    return {
        "result": result,
        "run_results": run_results,
        "warehouse": warehouse,
        "frames": frames,
        "lakehouse": lakehouse,
        "work": work,
    }
