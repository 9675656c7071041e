"""Review CSVs in ``$CCR_LANDING/_reviews/<tenant>/`` → silver.human_reviews (append-only)."""

import dagster as dg

from orchestration.lib.owners import OWNERS
from orchestration.lib.resources import SettingsResource
from transforms.core.tables import HUMAN_REVIEWS
from transforms.review import step


@dg.asset(
    key=["silver", "human_reviews"],
    deps=[["bronze", "calls"], ["silver", "criterion_results"]],
    description=HUMAN_REVIEWS.description,
    owners=OWNERS,
    tags={"layer": "silver", "pii": "performance"},
    kinds={"delta"},
    group_name="review",
)
def human_reviews(context: dg.AssetExecutionContext, settings: SettingsResource):
    """Append the rows of every landed review CSV; bad rows go to quarantine with a reason."""
    landed = step.run(settings.step_context(context.log))
    return dg.MaterializeResult(
        metadata={
            "files": landed.files,
            "rows_inserted": landed.rows_inserted,
            "rows_quarantined": landed.rows_quarantined,
        }
    )
