"""What an erasure changes in the KPI marts (issue 23): the calls whose dbt inputs it deletes or
nulls, erased or kept, with the days they started on; a full rebuild when it cannot say."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tests.synthetic_lakehouse import build
from transforms.compliance.actions import Action
from transforms.compliance.kpi_changes import DBT_SOURCES, kpi_changes
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.kpis.delta_source import lakehouse_sources


def test_the_erasure_knows_every_table_dbt_reads():
    """A table dbt reads that the erasure did not know would keep its calls out of the
    incremental rebuild: the list is the sources file's."""
    sources = lakehouse_sources(variables={"ccr_lakehouse": "/lake"})
    assert {".".join(Path(s.path).parts[-2:]) for s in sources} == set(DBT_SOURCES)


def test_changes_name_erased_and_kept_calls_and_fall_back_to_a_full_rebuild(tmp_path):
    settings = Settings.from_env({"CCR_HOME": str(tmp_path), "CCR_KEYS": str(tmp_path / "keys")})
    calls = build(settings, ["acme", "globex"], calls_per_tenant=10).calls
    lh = Lakehouse(settings.lakehouse)
    acme = calls.filter(pl.col("tenant_id") == "acme")
    gone, reviewed = set(acme["call_uid"][:2]), acme["call_uid"][5]
    review = lh.read(lh_spec("silver.human_reviews"), "acme").filter(
        pl.col("call_uid") == reviewed
    )["review_id"][0]
    actions = (
        delete("bronze.calls", "call_uid", gone),
        delete("silver.human_reviews", "review_id", {review}),
        delete("silver.transcripts", "call_uid", {acme["call_uid"][7]}),
    )
    changes = pl.from_arrow(kpi_changes(lh, actions, ["acme"]).calls)
    assert set(changes.filter("erased")["call_uid"]) == gone
    # a review deleted on a kept call: the call is rebuilt; transcripts are no dbt input
    assert set(changes.filter(~pl.col("erased"))["call_uid"]) == {reviewed}
    assert changes["call_date"].dtype == pl.Date
    # a whole tenant: every call of it; a rule over every tenant, or a table not keyed by
    # call: no calls, a full rebuild
    purge = Action("globex", "*", "tenant_purge", "purge_tenant", "")
    assert pl.from_arrow(kpi_changes(lh, (purge,), ["globex"]).calls).height == 10
    everyone = Action("*", "compliance.processing_log", "r", "delete_rows", "", key_column="log_id")
    assert kpi_changes(lh, (everyone,), []).calls is None
    versions = Action(
        "acme", "silver.scorecard_versions", "r", "delete_rows", "", key_column="scorecard_version"
    )
    assert kpi_changes(lh, (versions,), ["acme"]).calls is None


def delete(table: str, key: str, keys: set[str], tenant: str = "acme") -> Action:
    return Action(tenant, table, "r", "delete_rows", "", key_column=key, keys=frozenset(keys))


def lh_spec(name: str):
    from transforms.compliance.erasure import SPECS

    return SPECS[name]
