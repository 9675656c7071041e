"""Entry point of the code location (``workspace.yaml`` and ``dg`` load this)."""

from pathlib import Path

import dagster as dg

from orchestration.defs.quality.checks import FRESHNESS_ASSETS, FRESHNESS_POLICY
from orchestration.lib.environment import close_process
from orchestration.lib.lineage import with_lineage
from orchestration.lib.processing_log import with_processing_log

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Every process that loads the code location (webserver, daemon, run and step workers) writes
# private files: umask 077, inherited by dbt and every child (docs/privacy.md#files-at-rest).
close_process()


def build_definitions() -> dg.Definitions:
    # Cross-cutting, applied once: every asset appends to compliance/processing_log and every
    # asset and check step sends OpenLineage events (hooks, no daemon needed); the landing-to-KPI
    # assets carry a freshness policy.
    return with_lineage(
        with_processing_log(
            dg.load_from_defs_folder(project_root=PROJECT_ROOT), map_spec=_freshness
        )
    )


def _freshness(spec: dg.AssetSpec) -> dg.AssetSpec:
    if spec.key in FRESHNESS_ASSETS:
        return dg.apply_freshness_policy(spec, FRESHNESS_POLICY)
    return spec


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
