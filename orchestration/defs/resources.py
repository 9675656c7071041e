"""Resources every domain uses, bound once for the whole code location (the KPI domain binds its
own ``dbt`` resource in ``defs/kpis/resources.py``). The settings enter here: each ``CCR_*``
variable set in this process's environment becomes a ``dg.EnvVar`` of the settings resource.
Settings that send data where the deployment file does not say, or outside the EEA without a
safeguard, stop the code location from loading, so `dagster dev` shows why."""

import os

import dagster as dg

from orchestration.lib.resources import SettingsResource, WhisperResource
from transforms.core.deployment import require_lawful_locations
from transforms.core.settings import Settings


@dg.definitions
def resources() -> dg.Definitions:
    require_lawful_locations(Settings.from_env(os.environ))
    return dg.Definitions(
        resources={"settings": SettingsResource.from_env(os.environ), "whisper": WhisperResource()}
    )
