"""Review CSVs in ``$CCR_LANDING/_reviews/<tenant>/`` → silver.human_reviews (append-only)."""

import dagster as dg

from orchestration.lib.owners import OWNERS
from orchestration.lib.resources import LakehouseResource
from transforms.core.tables import HUMAN_REVIEWS
from transforms.review.landing import land_review_files


@dg.asset(
    key=["silver", "human_reviews"],
    deps=[["bronze", "calls"], ["silver", "criterion_results"]],
    description=HUMAN_REVIEWS.description,
    owners=OWNERS,
    tags={"layer": "silver", "pii": "performance"},
    kinds={"delta"},
    group_name="review",
)
def human_reviews(context: dg.AssetExecutionContext, lakehouse: LakehouseResource):
    """Append the rows of every landed review CSV; bad rows go to quarantine with a reason."""
    settings = lakehouse.settings()
    landed = land_review_files(
        lakehouse.lakehouse(),
        settings.reviews_landing,
        lakehouse.tenants(),
        lakehouse.scorecards(),
        log=context.log,
        quiet_s=settings.landing_quiet_s,
    )
    return dg.MaterializeResult(
        metadata={
            "files": landed.files,
            "rows_inserted": landed.rows_inserted,
            "rows_quarantined": landed.rows_quarantined,
        }
    )
