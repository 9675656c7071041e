"""The edge where a process's environment becomes settings.

``ccr``, the code location (``defs/resources.py`` binds each set variable as a ``dg.EnvVar``),
the processes that orchestrate batch runs (``workers.py``) and the Celery workers read their
environment here and nowhere else; everything below them is given a ``Settings``.
"""

from __future__ import annotations

import os

from transforms.core import object_store
from transforms.core.settings import Settings


def process_settings() -> Settings:
    """This process's settings, its object store configured from them. (Its deletion roots are
    configured where work starts, not at import: ``ccr``'s main and each run's resource.)"""
    settings = Settings.from_env(os.environ)
    object_store.configure(settings.object_store)
    return settings
