"""Resources every domain uses, bound once for the whole code location (the KPI domain binds its
own ``dbt`` resource in ``defs/kpis/resources.py``). The settings enter here: each ``CCR_*``
variable set in this process's environment becomes a ``dg.EnvVar`` of the settings resource."""

import os

import dagster as dg

from orchestration.lib.resources import SettingsResource, WhisperResource


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={"settings": SettingsResource.from_env(os.environ), "whisper": WhisperResource()}
    )
