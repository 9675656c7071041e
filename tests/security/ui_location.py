"""A one-asset code location: the UI tests exercise the proxy, not our definitions (loading
those takes seconds and memory the 2-core box shares)."""

import dagster as dg


@dg.asset
def sample() -> int:
    return 1


defs = dg.Definitions(assets=[sample])
