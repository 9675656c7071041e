"""Call batches: one dynamic partition per ``<tenant>/<batch>`` landing folder."""

import dagster as dg
import polars as pl

from transforms.core.lakehouse import Lakehouse
from transforms.core.tables import CALLS
from transforms.ingest.landing import split_partition_key

call_batches = dg.DynamicPartitionsDefinition(name="call_batches")


def batch_calls(lh: Lakehouse, partition_key: str) -> pl.DataFrame:
    """The bronze rows of one call batch, by call id (what each per-batch asset starts from)."""
    tenant_id, batch_id = split_partition_key(partition_key)
    return lh.read(CALLS, tenant_id, where={"batch_id": batch_id}).sort("call_id")
