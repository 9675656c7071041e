"""What an erasure changes in the KPI marts, so that the warehouse rebuild after it can be
incremental: the calls whose dbt inputs it deletes or nulls, read before anything is deleted.

A one-caller erasure touches a few calls of one tenant; rebuilding every mart of every tenant
from the lakehouse for it cost most of the erasure (issue 23). The rebuild instead removes the
erased calls' rows from the build file, has dbt rebuild the kept calls among them and every day
they started on (as a daily build does for changed calls), and writes the build file anew
(``orchestration/lib/kpi_build.py``). Whatever this module cannot place on calls (a scorecard
version deleted, a rule over every tenant) asks for the full rebuild instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from transforms.compliance.actions import ALL_TENANTS, Action, name_of
from transforms.core.lakehouse import Lakehouse
from transforms.core.tables import (
    CALL_CATEGORIES,
    CALL_METRICS,
    CALL_SCORES,
    CALLS,
    CRITERION_RESULTS,
    HUMAN_REVIEWS,
    SCORECARD_VERSIONS,
)

#: The lakehouse tables dbt reads (dbt_project/models/staging/_lakehouse__sources.yml; a test
#: holds the two together).
DBT_SOURCES = tuple(
    name_of(s)
    for s in (
        CALLS,
        CALL_METRICS,
        CALL_SCORES,
        CRITERION_RESULTS,
        HUMAN_REVIEWS,
        CALL_CATEGORIES,
        SCORECARD_VERSIONS,
    )
)


@dataclass(frozen=True)
class KpiChanges:
    """What the warehouse rebuild after an erasure must redo.

    ``tenants``: whose published files are written anew (None: every tenant's). ``calls``:
    ``tenant_id``, ``call_uid``, ``call_date`` (UTC), ``erased`` (its bronze row goes) of every
    call whose dbt inputs the erasure deletes or nulls; None asks for a full rebuild. In memory
    only: the erased calls' ids are never written by the rebuild.
    """

    tenants: tuple[str, ...] | None
    calls: pa.Table | None = None


def kpi_changes(lh: Lakehouse, actions: Sequence[Action], tenants: Sequence[str]) -> KpiChanges:
    """The calls ``actions`` change in dbt's inputs (read now, before they are deleted)."""
    work = [a for a in actions if a.action in ("delete_rows", "null_columns", "purge_tenant")]
    if any(a.tenant_id == ALL_TENANTS for a in actions):
        return KpiChanges(None)  # a rule over every tenant: every file is rewritten, in full
    touched: set[str] = set()
    whole: set[str] = set()  # tenants whose every call goes
    erased: set[str] = set()
    for a in work:
        if a.action == "purge_tenant":
            whole.add(a.tenant_id)
            continue
        if a.table not in DBT_SOURCES:
            continue
        if a.key_column == "tenant_id":
            whole |= set(a.keys)
        elif a.key_column == "call_uid":
            touched |= set(a.keys)
            if a.table == name_of(CALLS) and a.action == "delete_rows":
                erased |= set(a.keys)
        elif a.key_column == "review_id" and a.table == name_of(HUMAN_REVIEWS):
            reviews = lh.read(HUMAN_REVIEWS, a.tenant_id, columns=["review_id", "call_uid"])
            touched |= set(reviews.filter(pl.col("review_id").is_in(list(a.keys)))["call_uid"])
        else:
            return KpiChanges(tuple(tenants))  # not placed on calls: rebuild in full
    calls = lh.read(CALLS, columns=["tenant_id", "call_uid", "started_at"])
    calls = calls.filter(pl.col("call_uid").is_in(list(touched)) | pl.col("tenant_id").is_in(whole))
    frame = calls.select(
        "tenant_id",
        "call_uid",
        call_date=pl.col("started_at").dt.convert_time_zone("UTC").dt.date(),
        erased=pl.col("call_uid").is_in(list(erased)) | pl.col("tenant_id").is_in(whole),
    )
    return KpiChanges(tuple(tenants), frame.to_arrow())
