"""Human reviews: validation reasons, CSV landing into real Delta, quarantine, append-only."""

import json
from datetime import UTC, datetime

import polars as pl
import pytest

from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.scorecards import parse_scorecard
from transforms.core.tables import CALLS, HUMAN_REVIEWS, QUARANTINE
from transforms.review.reviews import (
    REVIEW_COLUMNS,
    ReviewError,
    ingest_review_file,
    record_reviews,
)

NOW = datetime(2026, 11, 6, 12, tzinfo=UTC)
CARD = parse_scorecard(
    {
        "id": "standard",
        "version": "1",
        "name": "S",
        "pass_threshold": 70,
        "sections": [
            {
                "id": "s",
                "name": "S",
                "criteria": [
                    {
                        "id": "greeting",
                        "name": "G",
                        "kind": "phrase_said",
                        "weight": 10,
                        "phrases": {"en": ["hello"]},
                    }
                ],
            }
        ],
    }
)
CARDS = {("standard", "1"): CARD}


@pytest.fixture
def lh(tmp_path):
    lake = Lakehouse(str(tmp_path / "lakehouse"))
    row = {name: None for name in CALLS.schema.names}
    row.update(
        call_uid="uid-1",
        tenant_id="acme",
        call_id="c1",
        batch_id="b",
        agent_id="agent-7",
        started_at=NOW,
        channel_layout="agent-left",
        audio_uri="file:///x",
        audio_sha256="ab" * 32,
        audio_format="wav",
        duration_s=30.0,
        channels=2,
        sample_rate=16000,
        file_size_bytes=1,
        ingested_at=NOW,
    )
    lake.merge(CALLS, conform(CALLS, [row]))
    assert lake.read(CALLS).height == 1  # the call passed its contract's row rules
    return lake


def review(**over):
    row = {
        "tenant_id": "acme",
        "call_id": "c1",
        "scorecard_id": "standard",
        "scorecard_version": "1",
        "criterion_id": "greeting",
        "kind": "review",
        "verdict": "met",
        "reviewer_id": "rev-1",
        "comment": "",
        "reviewed_at": "2026-11-06T09:00:00+01:00",
    }
    row.update(over)
    return row


def csv_bytes(rows):
    lines = [",".join(REVIEW_COLUMNS)] + [",".join(r[c] for c in REVIEW_COLUMNS) for r in rows]
    return ("\n".join(lines) + "\n").encode()


BAD = [
    (review(call_id="c9"), "review_unknown_call"),
    (review(scorecard_version="7"), "review_unknown_scorecard"),
    (review(criterion_id="closing"), "review_unknown_criterion"),
    (review(kind="opinion"), "review_bad_kind"),
    (review(verdict="maybe"), "review_bad_verdict"),
    (review(reviewer_id=""), "review_missing_reviewer"),
    (review(reviewed_at="yesterday"), "review_bad_timestamp"),
    (review(reviewed_at="2026-11-06T09:00:00"), "review_bad_timestamp"),  # no offset
    (review(reviewed_at="2030-01-01T00:00:00+00:00"), "review_in_future"),
    (review(kind="dispute", reviewer_id="rev-1", comment="no"), "dispute_not_by_agent"),
    (review(kind="dispute", reviewer_id="agent-7"), "dispute_without_comment"),
    (review(kind="resolution"), "resolution_without_dispute"),
]


@pytest.mark.parametrize(("row", "code"), BAD)
def test_a_bad_review_is_refused_with_its_reason(lh, row, code):
    with pytest.raises(ReviewError, match=code):
        record_reviews(lh, "acme", [row], CARDS, now=NOW)
    assert lh.read(HUMAN_REVIEWS).height == 0  # all or nothing


def test_dispute_then_resolution_is_kept_in_full_and_appending_again_adds_nothing(lh):
    events = [
        review(verdict="not_met"),
        review(kind="dispute", verdict="met", reviewer_id="agent-7", comment="I said hello",
               reviewed_at="2026-11-06T10:00:00+01:00"),
        review(kind="resolution", verdict="met", reviewed_at="2026-11-06T11:00:00+01:00"),
    ]  # fmt: skip
    assert record_reviews(lh, "acme", events, CARDS, now=NOW) == 3
    assert record_reviews(lh, "acme", events, CARDS, now=NOW) == 0
    log = lh.read(HUMAN_REVIEWS).sort("reviewed_at")
    assert log["kind"].to_list() == ["review", "dispute", "resolution"]
    assert log["verdict"].to_list() == ["not_met", "met", "met"]
    assert log["reviewed_at"][0] == datetime(2026, 11, 6, 8, tzinfo=UTC)  # stored in UTC
    # the agent cannot resolve their own dispute
    with pytest.raises(ReviewError, match="resolution_by_agent"):
        record_reviews(
            lh, "acme", [review(kind="resolution", reviewer_id="agent-7")], CARDS, now=NOW
        )


def test_a_review_csv_lands_good_rows_and_quarantines_bad_ones(lh):
    data = csv_bytes([review(), review(call_id="c9"), review(verdict="perhaps")])
    assert ingest_review_file(lh, "acme", "week45.csv", data, CARDS, now=NOW) == (1, 2)
    q = lh.read(QUARANTINE).sort("reason_code")
    assert q["reason_code"].to_list() == ["review_bad_verdict", "review_unknown_call"]
    assert set(q["batch_id"]) == {"_reviews"} and set(q["file_name"]) == {"week45.csv"}
    assert q["reason"][0].startswith("row 3:")
    # landing the same file again changes nothing anywhere
    assert ingest_review_file(lh, "acme", "week45.csv", data, CARDS, now=NOW) == (0, 2)
    assert lh.read(QUARANTINE).height == 2 and lh.read(HUMAN_REVIEWS).height == 1


def test_a_csv_without_the_columns_is_quarantined_whole(lh):
    assert ingest_review_file(lh, "acme", "x.csv", b"call,verdict\nc1,met\n", CARDS, now=NOW) == (
        0,
        1,
    )
    q = lh.read(QUARANTINE)
    assert q["reason_code"].to_list() == ["review_file_unreadable"]
    assert "lacks column(s) tenant_id, call_id" in q["reason"][0]
    assert lh.read(HUMAN_REVIEWS).filter(pl.col("tenant_id") == "acme").height == 0


def test_a_review_file_must_name_the_folders_tenant_on_every_row(lh):
    """Call ids are the call centres' own: globex may have a "c1" too. A globex reviewer's file
    dropped in acme's folder names its tenant, so it cannot attach to acme's c1."""
    data = csv_bytes([review(), review(tenant_id="globex"), review(tenant_id="")])
    assert ingest_review_file(lh, "acme", "week45.csv", data, CARDS, now=NOW) == (1, 2)
    q = lh.read(QUARANTINE)
    assert q["reason_code"].to_list() == ["review_tenant_mismatch"] * 2
    # a file from before the column existed is refused whole, never attached
    old = [c for c in REVIEW_COLUMNS if c != "tenant_id"]
    legacy = (",".join(old) + "\n" + ",".join(review()[c] for c in old) + "\n").encode()
    assert ingest_review_file(lh, "acme", "old.csv", legacy, CARDS, now=NOW) == (0, 1)
    assert "review_file_unreadable" in lh.read(QUARANTINE)["reason_code"].to_list()
    assert lh.read(HUMAN_REVIEWS).height == 1


def test_record_reviews_takes_the_tenant_from_its_argument_and_refuses_another(lh):
    row = {k: v for k, v in review().items() if k != "tenant_id"}
    assert record_reviews(lh, "acme", [row], CARDS, now=NOW) == 1
    with pytest.raises(ReviewError, match="review_tenant_mismatch"):
        record_reviews(lh, "acme", [review(tenant_id="globex", verdict="na")], CARDS, now=NOW)
    # the same review with or without the column is one row (the id is unchanged)
    assert record_reviews(lh, "acme", [review()], CARDS, now=NOW) == 0


def test_a_quarantined_review_row_keeps_no_free_text_in_any_column(lh):
    """An unquoted comma in a comment shifts the rest of the row: the comment's tail and a
    number land in other columns. None of it is kept in clear."""
    header = ",".join(REVIEW_COLUMNS)
    shifted = "acme,c1,standard,1,greeting,review,met,rev-1,Jane Auditname, 07700 900555,oops\n"
    data = (header + "\n" + shifted).encode()
    assert ingest_review_file(lh, "acme", "Jane Auditname.csv", data, CARDS, now=NOW) == (0, 1)
    (q,) = lh.read(QUARANTINE).iter_rows(named=True)
    assert q["reason_code"] == "review_bad_timestamp"
    text = json.dumps(q, default=str)
    assert "Auditname" not in text and "900555" not in text and "07700" not in text
    kept = json.loads(q["manifest_row"])
    assert "comment" not in kept and kept["reviewed_at"] == "<withheld>"
    assert kept["call_id"] == "c1" and kept["reviewer_id"] == "rev-1"
