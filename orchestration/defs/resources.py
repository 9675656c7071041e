"""Resources bound once for the whole code location."""

import dagster as dg

from orchestration.defs.kpis.assets import dbt_resource
from orchestration.resources import LakehouseResource, WhisperResource


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "lakehouse": LakehouseResource(),
            "whisper": WhisperResource(),
            "dbt": dbt_resource,
        }
    )
