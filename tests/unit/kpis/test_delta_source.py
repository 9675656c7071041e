"""The dbt sources: a Delta table's current files as a DuckDB view of the listed columns."""

import duckdb
import pytest
from deltalake import DeltaTable, Field

from tests.row_fixtures import call
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.tables import CALLS, HUMAN_REVIEWS
from transforms.kpis.delta_source import (
    SOURCES_FILE,
    DeltaSource,
    SourceColumnError,
    lakehouse_sources,
    view_sql,
)

COLUMNS = ("call_uid", "tenant_id", "agent_id", "started_at")


def source(lh: Lakehouse, columns=COLUMNS) -> DeltaSource:
    return DeltaSource("lakehouse", "calls", lh.uri(CALLS), tuple(columns))


def test_the_view_reads_the_current_version_only_and_only_the_listed_columns(tmp_path):
    lh = Lakehouse(str(tmp_path))
    lh.merge(CALLS, conform(CALLS, [call("u1", "acme", "a" * 64, "ag1", 2)]))
    lh.merge(CALLS, conform(CALLS, [call("u2", "globex", "b" * 64, "ag2", 3)]))
    # a row deleted in a later version: its file is no longer in the table (read_parquet on the
    # folder would bring it back)
    DeltaTable(lh.uri(CALLS)).delete("call_uid = 'u1'")
    with duckdb.connect() as con:
        con.execute("create schema lakehouse")
        con.execute(view_sql(source(lh), con))
        rows = con.execute("select * from lakehouse.calls").fetchall()
        names = [d[0] for d in con.execute("select * from lakehouse.calls limit 0").description]
        types = dict(con.execute("describe lakehouse.calls").fetchall()[i][:2] for i in range(4))
    assert names == list(COLUMNS)
    assert [r[:3] for r in rows] == [("u2", "globex", "ag2")]  # tenant_id from the partition
    assert types["started_at"] == "TIMESTAMP WITH TIME ZONE"


def test_a_table_with_no_file_is_an_empty_view_of_the_right_types(tmp_path):
    lh = Lakehouse(str(tmp_path))
    lh.ensure(HUMAN_REVIEWS)
    columns = ("review_id", "reviewed_at")
    empty = DeltaSource("lakehouse", "human_reviews", lh.uri(HUMAN_REVIEWS), columns)
    with duckdb.connect() as con:
        con.execute("create schema lakehouse")
        con.execute(view_sql(empty, con))
        assert con.execute("select count(*) from lakehouse.human_reviews").fetchone() == (0,)
        described = con.execute("describe lakehouse.human_reviews").fetchall()
    assert [r[:2] for r in described] == [
        ("review_id", "VARCHAR"),
        ("reviewed_at", "TIMESTAMP WITH TIME ZONE"),
    ]


def test_a_column_added_to_the_table_later_is_null_in_older_files(tmp_path):
    lh = Lakehouse(str(tmp_path))
    lh.merge(CALLS, conform(CALLS, [call("u1", "acme", "a" * 64, "ag1", 2)]))
    DeltaTable(lh.uri(CALLS)).alter.add_columns([Field("queue", "string", nullable=True)])
    with duckdb.connect() as con:
        con.execute("create schema lakehouse")
        con.execute(view_sql(source(lh, (*COLUMNS, "queue")), con))
        assert con.execute("select call_uid, queue from lakehouse.calls").fetchall() == [
            ("u1", None)
        ]


def test_a_listed_column_the_table_lacks_is_a_clear_error(tmp_path):
    lh = Lakehouse(str(tmp_path))
    lh.ensure(CALLS)
    with duckdb.connect() as con, pytest.raises(SourceColumnError, match="not columns of"):
        view_sql(source(lh, ("call_uid", "caller_phone")), con)


def test_every_source_of_the_project_lists_its_columns_and_a_path_under_the_lakehouse():
    found = lakehouse_sources(SOURCES_FILE, {"ccr_lakehouse": "/srv/lake/"})
    assert len(found) == 7  # no transcripts or segments: the KPIs outlive the content
    assert all(s.path.startswith("/srv/lake/") and s.columns for s in found)
