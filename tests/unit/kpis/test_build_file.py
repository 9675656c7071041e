"""The dbt build file is kept between builds (incremental) and started afresh when the dbt code
that made it changed, or when asked."""

import shutil
import stat
from pathlib import Path

from transforms.core.settings import REPO_ROOT
from transforms.kpis.build_file import code_fingerprint, prepare_build_file, record_build


def project(tmp_path: Path) -> Path:
    copy = tmp_path / "dbt_project"
    for part in ("models", "macros"):
        shutil.copytree(REPO_ROOT / "dbt_project" / part, copy / part)
    shutil.copy(REPO_ROOT / "dbt_project" / "dbt_project.yml", copy)
    return copy


def test_the_build_file_is_kept_until_the_dbt_code_changes(tmp_path):
    code = project(tmp_path)
    build = tmp_path / "home" / "build" / "kpis.build.duckdb"
    assert prepare_build_file(str(build), code)  # nothing yet: a full build
    assert stat.S_IMODE(build.parent.stat().st_mode) == 0o700  # every tenant's marts are in it
    build.write_bytes(b"built")
    record_build(str(build), code)
    assert not prepare_build_file(str(build), code) and build.exists()  # incremental
    # a data test is not code that shapes the tables
    (code / "tests").mkdir()
    (code / "tests" / "assert_x.sql").write_text("select 1 where false")
    assert not prepare_build_file(str(build), code)
    # a model changes: every call must be rebuilt with it
    model = code / "models" / "marts" / "fct_calls.sql"
    model.write_text(model.read_text() + "\n-- a change\n")
    assert prepare_build_file(str(build), code) and not build.exists()


def test_a_full_refresh_or_a_missing_record_starts_afresh(tmp_path):
    code = project(tmp_path)
    build = tmp_path / "build" / "kpis.build.duckdb"
    build.parent.mkdir()
    build.write_bytes(b"built by hand, never recorded")
    assert prepare_build_file(str(build), code) and not build.exists()
    build.write_bytes(b"built")
    record_build(str(build), code)
    assert prepare_build_file(str(build), code, full_refresh=True) and not build.exists()
    assert code_fingerprint(code) == code_fingerprint(code)
