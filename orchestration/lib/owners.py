"""Who answers for the assets (shown in the Dagster UI and the record of processing)."""

OWNERS = ["team:data-platform"]
