"""The edge where a process's environment becomes settings.

``ccr``, the code location (``defs/resources.py`` binds each set variable as a ``dg.EnvVar``),
the processes that orchestrate batch runs (``workers.py``) and the Celery workers read their
environment here and nowhere else; everything below them is given a ``Settings``. Each of them
also refuses, before it starts, settings that send data where the deployment file does not say,
or outside the EEA without a safeguard (``transforms.core.deployment``).
"""

from __future__ import annotations

import os

from transforms.core import object_store
from transforms.core.deployment import require_lawful_locations
from transforms.core.settings import Settings


def process_settings() -> Settings:
    """This process's settings, its object store configured from them."""
    settings = Settings.from_env(os.environ)
    require_lawful_locations(settings)  # a DeploymentError is a SettingsError: ccr prints it
    object_store.configure(settings.object_store)
    return settings
