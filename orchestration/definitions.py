"""Entry point of the code location (``workspace.yaml`` and ``dg`` load this)."""

from pathlib import Path

import dagster as dg

from orchestration.processing_log import with_processing_log

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def build_definitions() -> dg.Definitions:
    # Cross-cutting: every asset appends to compliance/processing_log (hooks, no daemon needed).
    return with_processing_log(dg.load_from_defs_folder(project_root=PROJECT_ROOT))


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
