"""Publishing: one read-only file per tenant with only its rows, swapped in atomically, updated in
place only for changed calls, and readable only by that tenant's BI group."""

import grp
import os
import pwd
import stat
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from transforms.core.tenants import Tenant
from transforms.kpis import access
from transforms.kpis.publish import (
    operator_database,
    prune_build_folders,
    publish,
    tenant_database,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)
#: The date the publishes decide for (which registry tenants are under contract).
TODAY = date(2026, 12, 1)
#: call_uid -> (tenant, score, hour its inputs were last written)
CALLS = {f"a-{n}": ("acme", 50.0 + n, 0) for n in range(1, 9)} | {"g-1": ("globex", 90.0, 0)}


def make_build(path: Path, calls: dict, changed: list[str] | None = None) -> Path:
    """A build file like dbt's: marts, a shared calendar, an operator-only mart, work tables;
    ``changed``: the calls the build rebuilt (default all)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema lakehouse")
        con.execute("create table lakehouse.transcripts as select 'secret words' as text")
        con.execute(
            "create table fct_calls (call_uid varchar, tenant_id varchar, agent_id varchar, "
            "score double, inputs_updated_at timestamptz)"
        )
        for uid, (tenant, score, hour) in calls.items():
            con.execute(
                "insert into fct_calls values (?, ?, ?, ?, ?)",
                [uid, tenant, f"{tenant}-agent", score, T0.replace(hour=hour)],
            )
        con.execute(
            "create table agg_agent_daily as select tenant_id, agent_id, count(*) as calls "
            "from fct_calls group by all"
        )
        con.execute("create table dim_dates as select date '2026-11-01' as date_day")
        con.execute("create table agg_anonymised_stats as select 42 as calls_all_tenants")
        con.execute(
            "create table int_calls__changed as select tenant_id, call_uid, inputs_updated_at "
            "from fct_calls where call_uid in (select unnest(?::varchar[]))",
            [list(calls) if changed is None else changed],
        )
        con.execute("create view stg_calls as select * from lakehouse.transcripts")
    return path


def tables(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main'"
            ).fetchall()
        ]
        return {n: sorted(con.execute(f"select * from {n}").fetchall()) for n in names}


@pytest.fixture
def home(tmp_path):
    build = make_build(tmp_path / "build" / "kpis.build.duckdb", CALLS)
    return tmp_path, build


def run(home_and_build, registry=None, **kwargs):
    home, build = home_and_build
    kwargs.setdefault("today", TODAY)
    return publish(build, home / "warehouse", operator_database(home), registry, reports=False,
                   **kwargs)  # fmt: skip


def test_each_tenant_gets_its_own_rows_of_every_mart_and_nothing_else(home):
    warehouse = home[0] / "warehouse"
    (warehouse / "build").mkdir(parents=True)  # what an earlier version left where BI reads
    (warehouse / "build" / "kpis.build.duckdb").write_bytes(b"secret words")
    (warehouse / "kpis.duckdb").write_bytes(b"every tenant")
    registry = {"initech": Tenant("initech", "Initech", ("en",), "standard")}
    published = run(home, registry)

    assert sorted(published.tenants) == ["acme", "globex", "initech"]  # registry + data
    assert sorted(p.name for p in published.removed) == ["build", "kpis.duckdb"]
    for tenant, files in published.tenants.items():
        got = tables(files.database)
        assert set(got) == {"fct_calls", "agg_agent_daily", "dim_dates"}  # marts only
        mine = {uid for uid, (t, _, _) in CALLS.items() if t == tenant}
        assert {r[0] for r in got["fct_calls"]} == mine
        assert {r[0] for r in got["agg_agent_daily"]} <= {tenant}
        assert got["dim_dates"] == [(datetime(2026, 11, 1).date(),)]  # shared, whole
        assert b"secret words" not in files.database.read_bytes()
        with duckdb.connect(str(files.database), read_only=True) as con:
            tags = con.execute(
                "select tags from duckdb_databases() where database_name = current_database()"
            ).fetchone()[0]
        assert tags["storage_version"] == "v1.0.0+"  # BI drivers on DuckDB 1.x open it
        assert files.mode == access.OWNER_READ  # no bi_group: the publishing account alone
    assert tables(published.operator) == {"agg_anonymised_stats": [(42,)]}
    assert stat.S_IMODE(published.operator.parent.stat().st_mode) == access.PRIVATE_DIR
    tenants_dir = warehouse / "tenants"
    for folder in (warehouse, tenants_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == access.TRAVERSE_ONLY
    assert stat.S_IMODE((tenants_dir / ".publishing").stat().st_mode) == access.PRIVATE_DIR
    assert sorted(p.name for p in tenants_dir.iterdir() if p.is_file()) == [
        "acme.duckdb",
        "globex.duckdb",
        "initech.duckdb",
    ]


def test_a_bi_group_that_exists_gets_read_access_and_one_that_does_not_is_skipped(home):
    own_group = grp.getgrgid(os.getgid()).gr_name
    registry = {
        "acme": Tenant("acme", "ACME", ("en",), "standard", bi_group=own_group),
        "globex": Tenant("globex", "Globex", ("en",), "standard", bi_group="no-such-group-ccr"),
    }
    published = run(home, registry)
    acme = published.tenants["acme"].database.stat()
    assert stat.S_IMODE(acme.st_mode) == access.GROUP_READ and acme.st_gid == os.getgid()
    assert published.tenants["globex"].mode == access.OWNER_READ


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to another account needs root")
def test_a_tenants_bi_account_opens_its_file_and_cannot_list_or_open_another():
    """Real accounts: a process running as 'nobody' in one tenant's group only."""
    groups = [g for g in grp.getgrall() if g.gr_gid not in (0, pwd.getpwnam("nobody").pw_gid)]
    if len(groups) < 2:
        pytest.skip("needs two unix groups besides root's and nobody's")
    mine, other = groups[0], groups[1]
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o711)  # as /srv would be: others pass through
        build = make_build(root / "build" / "kpis.build.duckdb", CALLS)
        registry = {
            "acme": Tenant("acme", "ACME", ("en",), "standard", bi_group=mine.gr_name),
            "globex": Tenant("globex", "Globex", ("en",), "standard", bi_group=other.gr_name),
        }
        publish(build, root / "warehouse", operator_database(root), registry, reports=False,
                today=TODAY)  # fmt: skip
        probe = (
            "import duckdb, os, sys\n"
            f"os.setgroups([{mine.gr_gid}]); os.setgid({mine.gr_gid}); os.setuid("
            f"{pwd.getpwnam('nobody').pw_uid})\n"
            "tenants = sys.argv[1]\n"
            "con = duckdb.connect(tenants + '/acme.duckdb', read_only=True)\n"
            "print('own', con.execute('select count(*) from fct_calls').fetchone()[0])\n"
            "for what, call in (('list', lambda: os.listdir(tenants)),\n"
            "                   ('other', lambda: open(tenants + '/globex.duckdb', 'rb')),\n"
            "                   ('operator', lambda: os.listdir(sys.argv[2]))):\n"
            "    try:\n"
            "        call(); print(what, 'allowed')\n"
            "    except PermissionError:\n"
            "        print(what, 'denied')\n"
        )
        folders = [str(root / "warehouse" / "tenants"), str(root / "operator")]
        out = subprocess.run(
            [sys.executable, "-c", probe, *folders], capture_output=True, text=True, check=True
        ).stdout.split("\n")
    assert out[:4] == ["own 8", "list denied", "other denied", "operator denied"]


def test_a_reader_keeps_its_snapshot_while_a_new_build_is_swapped_in(home):
    run(home)
    database = tenant_database(home[0] / "warehouse", "acme")
    reader = duckdb.connect(str(database), read_only=True)
    make_build(home[1], {**CALLS, "a-1": ("acme", 10.0, 1)})
    run(home, rewrite=True)
    assert reader.execute("select score from fct_calls where call_uid = 'a-1'").fetchone()[0] == 51
    reader.close()
    with duckdb.connect(str(database), read_only=True) as fresh:
        assert (
            fresh.execute("select score from fct_calls where call_uid = 'a-1'").fetchone()[0] == 10
        )


def test_publishing_twice_gives_the_same_content(home):
    first = {t: tables(f.database) for t, f in run(home).tenants.items()}
    again = run(home)
    assert {t: tables(f.database) for t, f in again.tenants.items()} == first


def test_a_changed_call_is_replaced_in_a_copy_and_an_erased_call_rewrites_the_file(home):
    build = home[1]
    run(home)
    # a late review changes a-2: the build rebuilt that call only
    make_build(build, {**CALLS, "a-2": ("acme", 75.0, 5)}, changed=["a-2"])
    # globex's calls did not change: but its file is a copy too, checked against the build
    published = run(home)
    acme = published.tenants["acme"]
    assert acme.how == "updated"
    assert tables(acme.database)["fct_calls"] == tables(build)["fct_calls"][:8]
    assert acme.mode == access.OWNER_READ
    # a call erased upstream is gone from the build: the file is written anew, no bytes left
    erased = {uid: v for uid, v in CALLS.items() if uid != "a-1"} | {"a-2": ("acme", 75.0, 5)}
    make_build(build, erased, changed=[])
    published = run(home)
    assert published.tenants["acme"].how == "rewritten"
    assert b"a-1" not in published.tenants["acme"].database.read_bytes()
    assert len(tables(published.tenants["acme"].database)["fct_calls"]) == 7


def test_a_stale_previous_file_is_rewritten_not_patched(home):
    """A publish that was skipped leaves a file two builds old: the check against the build
    sees calls whose inputs differ and the file is written anew."""
    build = home[1]
    run(home)
    make_build(build, {**CALLS, "a-1": ("acme", 11.0, 3)}, changed=["a-1"])  # not published
    make_build(build, {**CALLS, "a-1": ("acme", 11.0, 3), "a-2": ("acme", 22.0, 4)}, ["a-2"])
    published = run(home)
    assert published.tenants["acme"].how == "rewritten"
    scores = sorted(r[3] for r in tables(published.tenants["acme"].database)["fct_calls"])
    assert scores[:2] == [11.0, 22.0]


def test_a_tenant_whose_data_is_gone_loses_its_files(home):
    build = home[1]
    run(home)
    make_build(build, {"a-1": ("acme", 80.0, 0)})
    published = run(home)
    assert sorted(published.tenants) == ["acme"]
    assert [p.name for p in published.removed] == ["globex.duckdb"]


def test_an_erasure_in_one_tenant_rewrites_its_file_and_leaves_the_others_untouched(home):
    build = home[1]
    before = run(home)
    globex = before.tenants["globex"].database
    stamp = globex.stat().st_mtime_ns, globex.stat().st_ino
    erased = {uid: v for uid, v in CALLS.items() if uid != "a-1"}
    make_build(build, erased)
    published = run(home, rewrite=True, only={"acme"})
    assert sorted(published.tenants) == ["acme"]
    assert published.tenants["acme"].how == "rewritten"
    assert b"a-1" not in published.tenants["acme"].database.read_bytes()
    assert (globex.stat().st_mtime_ns, globex.stat().st_ino) == stamp  # the same file


def test_a_tenant_that_is_gone_loses_its_files_even_outside_only(home):
    build = home[1]
    run(home)
    make_build(build, {"a-1": ("acme", 80.0, 0)})
    published = run(home, rewrite=True, only={"acme"})
    assert [p.name for p in published.removed] == ["globex.duckdb"]


def test_a_registry_tenant_is_published_while_its_contract_runs_on_the_given_date(home):
    """A tenant without rows gets its (empty) file up to its contract's last day and loses it
    the day after, whatever the machine's clock says."""
    initech = Tenant("initech", "Initech", ("en",), "standard", contract_end=date(2027, 11, 30))
    registry = {"initech": initech}
    assert "initech" in run(home, registry, today=date(2027, 11, 30)).tenants
    after = run(home, registry, today=date(2027, 12, 1))
    assert "initech" not in after.tenants
    assert [p.name for p in after.removed] == ["initech.duckdb"]
    assert not tenant_database(home[0] / "warehouse", "initech").exists()
    assert {"acme", "globex"} <= set(after.tenants)  # tenants with rows stay, contract or not


def test_publishing_without_a_build_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="materialize the dbt KPI models first"):
        publish(tmp_path / "missing.duckdb", tmp_path / "warehouse", tmp_path / "op.duckdb",
                today=TODAY)  # fmt: skip


def test_a_tenant_id_that_could_leave_the_folder_is_refused(tmp_path):
    build = make_build(tmp_path / "b.duckdb", {"x-1": ("../etc", 1.0, 0)})
    with pytest.raises(ValueError, match="cannot name a published file"):
        publish(build, tmp_path / "warehouse", tmp_path / "op.duckdb", reports=False, today=TODAY)


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


def test_concurrent_publishes_leave_readable_files_and_no_staging_copy(tmp_path):
    """Each publish builds its own staging files: with one fixed name, two publishes at once
    left the published database unreadable in one try out of three."""
    from concurrent.futures import ThreadPoolExecutor

    builds = [
        make_build(tmp_path / f"build-{n}" / "kpis.build.duckdb", {"a-1": ("acme", float(n), 0)})
        for n in (10, 20, 30, 40)
    ]
    warehouse = tmp_path / "warehouse"
    for _ in range(3):
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda b: publish(b, warehouse, tmp_path / "op.duckdb", today=TODAY,
                                            reports=False, rewrite=True), builds))  # fmt: skip
        with duckdb.connect(str(tenant_database(warehouse, "acme")), read_only=True) as con:
            assert con.execute("select score from fct_calls").fetchone()[0] in (10, 20, 30, 40)
    assert sorted(p.name for p in (warehouse / "tenants").iterdir()) == [
        ".publishing",
        "acme.duckdb",
    ]
    assert not list((warehouse / "tenants" / ".publishing").iterdir())
