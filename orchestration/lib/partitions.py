"""Call batches: one dynamic partition per ``<tenant>/<batch>`` landing folder."""

import dagster as dg

from transforms.ingest.landing import PARTITION_SEPARATOR

call_batches = dg.DynamicPartitionsDefinition(name="call_batches")


def forget_tenant_partitions(instance: dg.DagsterInstance, tenant_id: str) -> int:
    """Remove a purged tenant's call-batch partitions (``<tenant>__<batch>``); how many.

    The runs and their event logs stay: they name the partition (tenant and batch folder) and
    hold counts, model and scorecard ids, never a call, caller, agent or transcript (the
    residual scan checks the whole instance)."""
    prefix = f"{tenant_id}{PARTITION_SEPARATOR}"
    keys = [k for k in instance.get_dynamic_partitions(call_batches.name) if k.startswith(prefix)]
    for key in keys:
        instance.delete_dynamic_partition(call_batches.name, key)
    return len(keys)
