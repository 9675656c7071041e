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
    CHANGED_LOG,
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
    ``changed``: the calls this build rebuilt, logged after the previous build's (as
    int_calls__changed_log does), or None for a full build (every call, a new generation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    log = [("g0", 0, None, None)]
    if changed is not None and path.exists():
        with duckdb.connect(str(path), read_only=True) as con:
            log = con.execute(f"select * from {CHANGED_LOG} order by build_seq").fetchall()
    if changed is None:
        log = [(f"g{max(int(r[0][1:]) for r in log) + 1}", 1, None, None)]
    else:
        generation, seq = log[-1][0], log[-1][1] + 1
        log += [(generation, seq, None, None)]
        log += [(generation, seq, calls[uid][0], uid) for uid in changed]
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
        con.execute(
            f"create table {CHANGED_LOG} (build_generation varchar, build_seq integer, "
            "tenant_id varchar, call_uid varchar)"
        )
        con.executemany(f"insert into {CHANGED_LOG} values (?, ?, ?, ?)", log[1:] or log)
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
        rows = {n: con.execute(f"select * from {n}").fetchall() for n in names}
    return {n: sorted(r, key=lambda row: [(v is None, v) for v in row]) for n, r in rows.items()}


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


def test_a_skipped_publish_is_caught_up_from_the_build_log_and_a_file_further_behind_rewritten(
    home,
):
    """A publish that was skipped leaves the other file builds behind: the calls each build since
    rebuilt (int_calls__changed_log) are replaced. A file older than the log reaches, or of
    another generation (a new build file), is written anew."""
    build = home[1]
    run(home)  # both files of acme: build 1
    make_build(build, {**CALLS, "a-1": ("acme", 11.0, 3)}, changed=["a-1"])  # 2, not published
    make_build(build, {**CALLS, "a-1": ("acme", 11.0, 3), "a-2": ("acme", 22.0, 4)}, ["a-2"])
    published = run(home)  # b: 1 -> 3, a-1 and a-2 replaced
    assert published.tenants["acme"].how == "updated"
    scores = sorted(r[3] for r in tables(published.tenants["acme"].database)["fct_calls"])
    assert scores[:2] == [11.0, 22.0]
    assert tables(published.tenants["acme"].database)["fct_calls"] == tables(build)["fct_calls"][:8]
    # build 4; the log kept builds 3 and 4 only, and the other file is of build 1
    now = {**CALLS, "a-1": ("acme", 11.0, 3), "a-2": ("acme", 22.0, 4), "a-3": ("acme", 33.0, 5)}
    make_build(build, now, ["a-3"])
    with duckdb.connect(str(build)) as con:
        con.execute(f"delete from {CHANGED_LOG} where build_seq <= 2")
    published = run(home)
    assert published.tenants["acme"].how == "rewritten"
    assert tables(published.tenants["acme"].database)["fct_calls"] == tables(build)["fct_calls"][:8]
    # a new generation: every call may have changed
    make_build(build, now)
    assert {f.how for f in run(home).tenants.values()} == {"rewritten"}


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
    # the tenant's two files, the record of their builds and the lock: no staging copy left
    assert sorted(p.name for p in (warehouse / "tenants" / ".publishing").iterdir()) == [
        "acme.a.duckdb",
        "acme.b.duckdb",
        "acme.lock",
        "acme.slots.json",
    ]


# --------------------------------------------------------------------------- the two files


def _score(database: Path, uid: str = "a-1") -> float:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select score from fct_calls where call_uid = ?", [uid]).fetchone()[0]


def _next_build(build: Path, score: float) -> None:
    """The next build: a late review of a-1 changes its score."""
    make_build(build, {**CALLS, "a-1": ("acme", score, 1)}, changed=["a-1"])


def _private(warehouse: Path) -> list[str]:
    return sorted(p.name for p in (warehouse / "tenants" / ".publishing").iterdir())


def test_the_published_file_is_one_of_two_files_and_an_update_changes_only_the_other(home):
    warehouse = home[0] / "warehouse"
    database = tenant_database(warehouse, "acme")
    first = run(home)
    assert first.tenants["acme"].how == "rewritten"
    assert database.stat().st_nlink == 2  # the published name and its file in .publishing
    before = database.stat().st_ino
    _next_build(home[1], 10.0)
    second = run(home)
    assert second.tenants["acme"].how == "updated"  # in place, no copy of the published file
    assert database.stat().st_ino != before  # the other file was linked in
    assert _score(database) == 10.0
    assert stat.S_IMODE(database.stat().st_mode) == access.OWNER_READ
    assert _private(warehouse) == [
        f"{t}.{end}" for t in ("acme", "globex") for end in ("a.duckdb", "b.duckdb", "lock",
                                                           "slots.json")
    ]  # fmt: skip


def test_publishing_again_changes_nothing_and_leaves_nothing_behind(home):
    warehouse = home[0] / "warehouse"
    runs = [run(home) for _ in range(3)]
    assert [r.tenants["acme"].how for r in runs] == ["rewritten", "updated", "updated"]
    contents = [{t: tables(f.database) for t, f in r.tenants.items()} for r in runs]
    assert contents[0] == contents[1] == contents[2]
    assert len(_private(warehouse)) == 8  # two files, a record and a lock per tenant


@pytest.mark.parametrize("where", ["another process", "this process"])
def test_a_file_a_reader_still_has_open_is_written_anew_never_changed(home, where):
    """The file published before the last publish is the one the next publish would update;
    a BI connection opened while it was published still reads it. DuckDB locks a file its
    connections have open, and the publish checks: the reader keeps its snapshot."""
    warehouse = home[0] / "warehouse"
    database = tenant_database(warehouse, "acme")
    run(home)
    _next_build(home[1], 10.0)
    run(home)
    if where == "another process":
        reader = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(database)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert reader.stdout.readline().strip() == "10.0"
    else:
        held = duckdb.connect(str(database), read_only=True)
    _next_build(home[1], 20.0)
    assert run(home).tenants["acme"].how == "updated"  # the other file: nobody has it
    _next_build(home[1], 30.0)
    assert run(home).tenants["acme"].how == "rewritten"  # the held one: a new file instead
    if where == "another process":
        out, _ = reader.communicate("go\n", timeout=60)
        assert out.strip() == "10.0"
    else:
        assert held.execute("select score from fct_calls where call_uid = 'a-1'").fetchone() == (
            10.0,
        )
        held.close()
    assert _score(database) == 30.0
    _next_build(home[1], 40.0)
    assert run(home).tenants["acme"].how == "updated"  # the reader is gone
    assert _score(database) == 40.0


#: A BI client: reads a-1's score, keeps its connection until told, reads it again.
HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
query = "select score from fct_calls where call_uid = 'a-1'"
print(con.execute(query).fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute(query).fetchone()[0], flush=True)
"""

#: A publish killed at a point: in the middle of an update in place (after a mart's changed
#: rows were replaced, before the transaction commits), before the new file is linked, after.
CRASH = """
import os, sys
from datetime import date
from pathlib import Path
from transforms.kpis import publish

point = sys.argv[4]
real_link, real_check = publish._link_over, publish._same_calls


def check(con, mart, tenant_id):
    if tenant_id == "acme":
        os._exit(9)
    return real_check(con, mart, tenant_id)


def link(path, database, staging_dir):
    if database.name == "acme.duckdb" and point == "before the link":
        os._exit(9)
    real_link(path, database, staging_dir)
    if database.name == "acme.duckdb":
        os._exit(9)


publish._same_calls, publish._link_over = (check, real_link) if point == "during the update" else (
    real_check, link)
publish.publish(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), reports=False,
                today=date(2026, 12, 1))
"""


@pytest.mark.parametrize("point", ["during the update", "before the link", "after the link"])
def test_a_publish_killed_at_any_point_leaves_a_whole_file_and_the_next_one_is_right(home, point):
    home_dir, build = home
    warehouse = home_dir / "warehouse"
    database = tenant_database(warehouse, "acme")
    run(home)
    _next_build(build, 10.0)
    run(home)
    published = database.stat().st_ino, tables(database)
    _next_build(build, 20.0)
    killed = subprocess.run(
        [sys.executable, "-c", CRASH, str(build), str(warehouse), str(operator_database(home_dir)),
         point], cwd=Path(__file__).parents[3],
    )  # fmt: skip
    assert killed.returncode == 9
    if point == "after the link":  # the rename is atomic: the new file, whole
        assert _score(database) == 20.0
    else:  # the old file, untouched
        assert (database.stat().st_ino, tables(database)) == published
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("select * from fct_calls").fetchall()  # opens, reads
    # the next publishes are right, whichever file each one takes
    for score in (30.0, 40.0, 50.0):
        _next_build(build, score)
        run(home)
        assert tables(database)["fct_calls"] == tables(build)["fct_calls"][:8]
    fresh = publish(build, home_dir / "fresh", home_dir / "op.duckdb", reports=False, rewrite=True,
                    today=TODAY)  # fmt: skip
    assert tables(database) == tables(fresh.tenants["acme"].database)


def test_an_erasure_leaves_the_erased_rows_in_neither_file(home):
    home_dir, build = home
    run(home)
    _next_build(build, 10.0)
    run(home)
    erased = {uid: v for uid, v in CALLS.items() if uid != "a-1"}
    make_build(build, erased)
    run(home, rewrite=True, only={"acme"})
    private = home_dir / "warehouse" / "tenants" / ".publishing"
    files = sorted(private.glob("acme.*.duckdb"))
    assert [f.name for f in files] == ["acme.a.duckdb", "acme.b.duckdb"]
    for f in files:
        assert b"a-1" not in f.read_bytes(), f.name
    # and the next publish updates the other file in place again
    make_build(build, {**erased, "a-2": ("acme", 75.0, 5)}, changed=["a-2"])
    assert run(home).tenants["acme"].how == "updated"


def test_a_file_with_many_deleted_rows_or_no_record_of_its_build_is_written_anew(home, monkeypatch):
    from transforms.kpis import publish as module

    home_dir, build = home
    run(home)
    _next_build(build, 10.0)
    monkeypatch.setattr(module, "_dead_share", lambda con, marts: 1.0)
    assert run(home).tenants["acme"].how == "rewritten"
    monkeypatch.undo()
    _next_build(build, 20.0)
    for record in (home_dir / "warehouse" / "tenants" / ".publishing").glob("*.slots.json"):
        record.write_text("{not json")
    assert run(home).tenants["acme"].how == "rewritten"
    assert _score(tenant_database(home_dir / "warehouse", "acme")) == 20.0


def test_the_share_of_deleted_rows_a_file_keeps_is_measured(tmp_path):
    from transforms.kpis.publish import Mart, _dead_share

    path = tmp_path / "f.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table fct_calls as select 'c' || i as call_uid from range(300000) t(i)")
        con.execute("checkpoint")
    with duckdb.connect(str(path)) as con:
        con.execute("delete from fct_calls where hash(call_uid) % 4 = 0")
        con.execute("checkpoint")
    with duckdb.connect(str(path), read_only=True) as con:
        share = _dead_share(con, [Mart("fct_calls", tenant_scoped=True, call_keyed=True)])
    assert 0.2 < share < 0.3
