"""The score step of one call batch: silver transcripts → metrics, scores, verdicts, topics.

``run(ctx, partition)`` owns the whole step, in its crash-safe order: the card each call is
scored with (the tenant's assignment, the active version unless a what-if ``version`` is given),
the rows of every scoring table, then the commits, the call scores last. The score row marks a
call scored (a rerun skips it): a step killed between two commits leaves the call to score again,
never a score without its verdicts. The Dagster asset, ``ccr`` and the benchmarks call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from transforms.core.context import StepContext
from transforms.core.lakehouse import conform
from transforms.core.tables import (
    CALL_CATEGORIES,
    CALL_METRICS,
    CALL_SCORES,
    CRITERION_RESULTS,
    SCORECARD_VERSIONS,
)
from transforms.ingest.landing import batch_calls, split_partition_key
from transforms.score.batch import ScoredBatch, score_batch
from transforms.score.categories import load_taxonomy


@dataclass
class Scored:
    """What the step did: counts for the run's metadata."""

    out: ScoredBatch = field(default_factory=ScoredBatch)
    rows_inserted: int = 0
    #: "<id> v<version>" of the tenant's topic taxonomy ("" when the batch had no call)
    taxonomy: str = ""


def run(ctx: StepContext, partition: str, version: str = "") -> Scored:
    """Score the batch's transcripts not yet scored with their card, and commit.

    Raises ``ScorecardError`` for a what-if ``version`` that is not on file.
    """
    lh = ctx.lakehouse
    tenant_id, _ = split_partition_key(partition)
    calls = batch_calls(lh, partition)
    choice = ctx.card_choice(tenant_id, version)
    if calls.is_empty() or choice is None:
        # a batch wholly quarantined (e.g. unknown tenant) has nothing to score
        return Scored()
    taxonomy = load_taxonomy(ctx.settings.taxonomies_dir, tenant_id)
    out = score_batch(lh, calls, choice, taxonomy, now=ctx.now())
    # Metrics and topics depend only on the transcript: recomputing replaces (update).
    lh.merge(CALL_METRICS, conform(CALL_METRICS, out.metrics), update=True)
    lh.merge(CRITERION_RESULTS, conform(CRITERION_RESULTS, out.criteria))
    lh.merge(SCORECARD_VERSIONS, conform(SCORECARD_VERSIONS, out.versions), update=True)
    lh.merge(CALL_CATEGORIES, conform(CALL_CATEGORIES, out.topics), update=True)
    # Last: the score rows that mark the calls scored.
    inserted = lh.merge(CALL_SCORES, conform(CALL_SCORES, out.scores))
    return Scored(out, inserted["num_target_rows_inserted"], f"{taxonomy.id} v{taxonomy.version}")
