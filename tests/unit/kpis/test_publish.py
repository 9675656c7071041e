import os
import stat
from pathlib import Path

import duckdb
import pytest

from transforms.kpis.publish import build_path, prune_build_folders, publish_marts


def make_build(path: str, score: float) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).unlink(missing_ok=True)
    with duckdb.connect(path) as con:
        con.execute("create schema lakehouse")
        con.execute("create table lakehouse.transcripts as select 'secret words' as text")
        con.execute(f"create table fct_calls as select 'c1' as call_uid, {score}::double as score")
        con.execute("create table agg_agent_daily as select 'a1' as agent_id, 3 as calls")
        con.execute("create view stg_calls as select * from lakehouse.transcripts")


def test_publish_copies_only_marts_into_a_read_only_file(tmp_path):
    published = str(tmp_path / "warehouse" / "kpis.duckdb")
    build = build_path(published)
    make_build(build, 80.0)
    assert publish_marts(build, published) == {"agg_agent_daily": 1, "fct_calls": 1}
    assert stat.S_IMODE(Path(published).stat().st_mode) == 0o444
    with duckdb.connect(published, read_only=True) as con:
        names = {
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        }
    assert names == {"fct_calls", "agg_agent_daily"}
    assert b"secret words" not in Path(published).read_bytes()


def test_a_reader_keeps_its_snapshot_while_a_new_build_is_swapped_in(tmp_path):
    published = str(tmp_path / "kpis.duckdb")
    build = build_path(published)
    make_build(build, 80.0)
    publish_marts(build, published)
    reader = duckdb.connect(published, read_only=True)
    make_build(build, 55.0)
    publish_marts(build, published)
    assert reader.execute("select score from fct_calls").fetchone()[0] == 80.0
    reader.close()
    with duckdb.connect(published, read_only=True) as fresh:
        assert fresh.execute("select score from fct_calls").fetchone()[0] == 55.0


def test_publishing_without_a_build_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="materialize the dbt KPI models first"):
        publish_marts(str(tmp_path / "missing.duckdb"), str(tmp_path / "kpis.duckdb"))


def test_only_the_newest_dbt_build_folders_are_kept(tmp_path):
    for i in range(7):
        folder = tmp_path / f"kpi_models-run{i}-x"
        folder.mkdir()
        (folder / "run_results.json").write_text("{}")
        os.utime(folder, (1_000_000 + i, 1_000_000 + i))
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "other-run0-x").mkdir()
    removed = prune_build_folders(tmp_path, "kpi_models", keep=5)
    assert sorted(p.name for p in removed) == ["kpi_models-run0-x", "kpi_models-run1-x"]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [
        *(f"kpi_models-run{i}-x" for i in range(2, 7)),
        "manifest.json",
        "other-run0-x",
    ]


def test_concurrent_publishes_leave_one_readable_file_and_no_staging_copy(tmp_path):
    """Each publish builds its own staging file: with one fixed name, two publishes at once
    left the published database unreadable in one try out of three."""
    from concurrent.futures import ThreadPoolExecutor

    published = str(tmp_path / "kpis.duckdb")
    builds = []
    for score in (10.0, 20.0, 30.0, 40.0):
        build = str(tmp_path / f"build-{int(score)}" / "kpis.build.duckdb")
        make_build(build, score)
        builds.append(build)
    for _ in range(3):
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda b: publish_marts(b, published), builds))
        with duckdb.connect(published, read_only=True) as con:
            assert con.execute("select score from fct_calls").fetchone()[0] in (10, 20, 30, 40)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["kpis.duckdb"]
