"""The review step: review CSVs in ``$CCR_LANDING/_reviews/<tenant>/`` → silver.human_reviews.

``run(ctx)`` appends the rows of every settled review file (bad rows to bronze.quarantine with a
reason) and clears each file from landing once its rows are stored (``landing.py``). The Dagster
asset and ``ccr`` call it.
"""

from __future__ import annotations

from transforms.core.context import StepContext
from transforms.review.landing import ReviewLanding, land_review_files


def run(ctx: StepContext) -> ReviewLanding:
    return land_review_files(
        ctx.lakehouse,
        ctx.settings.reviews_landing,
        ctx.tenants,
        ctx.scorecards,
        log=ctx.log,
        quiet_s=ctx.settings.landing_quiet_s,
    )
