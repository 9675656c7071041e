"""Resources every domain uses, bound once for the whole code location (the KPI domain binds its
own ``dbt`` resource in ``defs/kpis/resources.py``)."""

import dagster as dg

from orchestration.lib.resources import LakehouseResource, WhisperResource


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={"lakehouse": LakehouseResource(), "whisper": WhisperResource()}
    )
