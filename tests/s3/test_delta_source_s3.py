"""The dbt sources of a lakehouse on S3: an Arrow dataset of the current version's files on
pyarrow's S3 filesystem, registered on each cursor, behind the same view as a local table."""

from __future__ import annotations

import duckdb
import yaml
from deltalake import DeltaTable

from tests.row_fixtures import call
from transforms.core import object_store
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.settings import Settings
from transforms.core.tables import CALLS
from transforms.kpis.delta_source import DeltaSource, Plugin, registered_name, s3_view

COLUMNS = ("call_uid", "tenant_id", "agent_id", "started_at")


def test_the_s3_view_reads_the_current_version_only_and_only_the_listed_columns(
    s3_home: Settings, tmp_path
):
    lh = Lakehouse(s3_home.lakehouse)
    lh.merge(CALLS, conform(CALLS, [call("u1", "acme", "a" * 64, "ag1", 2)]))
    lh.merge(CALLS, conform(CALLS, [call("u2", "globex", "b" * 64, "ag2", 3)]))
    lh.merge(CALLS, conform(CALLS, [call("u3", "globex", "c" * 64, "ag3", 4)]))
    DeltaTable(lh.uri(CALLS), storage_options=object_store.delta_options()).delete(
        "call_uid = 'u1'"
    )
    source = DeltaSource("lakehouse", "calls", lh.uri(CALLS), COLUMNS)
    sql, dataset = s3_view(source)
    build = tmp_path / "build.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("create schema lakehouse")
        con.register(registered_name(source), dataset)
        con.execute(sql)
        rows = con.execute("select * from lakehouse.calls order by 1").fetchall()
        names = [d[0] for d in con.execute("select * from lakehouse.calls limit 0").description]
        types = dict(r[:2] for r in con.execute("describe lakehouse.calls").fetchall())
        # another cursor (dbt runs each model on one) sees the dataset once registered on it
        cursor = con.cursor()
        cursor.register(registered_name(source), dataset)
        assert cursor.execute("select count(*) from lakehouse.calls").fetchone() == (2,)
        # a filter DuckDB would push into a dataset, on files delta-rs wrote with string_view
        where = "select count(*) from lakehouse.calls where agent_id = 'ag2' or agent_id >= 'ag3'"
        assert cursor.execute(where).fetchone() == (2,)
        con.execute(
            "create table marts as select tenant_id, count(*) n from lakehouse.calls group by 1"
        )
    assert names == list(COLUMNS)
    assert [r[:3] for r in rows] == [("u2", "globex", "ag2"), ("u3", "globex", "ag3")]
    assert types["started_at"] == "TIMESTAMP WITH TIME ZONE"
    # the build file opens later without the dataset (publishing reads the marts only)
    with duckdb.connect(str(build), read_only=True) as con:
        assert con.execute("select n from marts").fetchall() == [(2,)]


def test_the_plugin_registers_the_datasets_on_every_cursor(s3_home: Settings, tmp_path):
    lh = Lakehouse(s3_home.lakehouse)
    lh.merge(CALLS, conform(CALLS, [call("u1", "acme", "a" * 64, "ag1", 2)]))
    sources = tmp_path / "sources.yml"
    table = {
        "name": "calls",
        "meta": {
            "delta_table_path": "{{ var('ccr_lakehouse') }}/bronze/calls",
            "read_columns": list(COLUMNS),
        },
    }
    sources.write_text(
        yaml.safe_dump({"version": 2, "sources": [{"name": "lakehouse", "tables": [table]}]})
    )
    # what the profile renders: the lakehouse from --vars, the object store from the environment
    store = s3_home.object_store
    config = {
        "sources_file": str(sources),
        "lakehouse": s3_home.lakehouse,
        "s3_endpoint_url": store.endpoint_url,
        "s3_region": store.region,
        "s3_access_key_id": store.access_key_id,
        "s3_secret_access_key": store.secret_access_key,
        "s3_allow_http": str(store.allow_http).lower(),
    }
    plugin = Plugin("delta_source", config)
    with duckdb.connect() as con:
        plugin.configure_connection(con)
        assert con.execute("select agent_id from lakehouse.calls").fetchall() == [("ag1",)]
        cursor = con.cursor()
        plugin.configure_cursor(cursor)
        assert cursor.execute("select count(*) from lakehouse.calls").fetchone() == (1,)
