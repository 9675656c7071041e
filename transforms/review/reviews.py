"""Human reviews: reviewer verdicts, agent disputes and reviewer resolutions, append-only.

They arrive as CSV files in ``$CCR_LANDING/_reviews/<tenant>/*.csv`` (the call-batch landing
sensor skips folders starting with ``_``) or through ``record_reviews``. Each valid row becomes one
row of ``silver/human_reviews``, never updated or deleted: the final verdict of a criterion is the
latest ``review`` or ``resolution`` (else the AI's), open disputes are disputes with no later
resolution, and the whole history stays auditable. A row keyed by a hash of its content is
inserted once, so landing the same file twice changes nothing. A bad row is quarantined
(``bronze/quarantine``, batch ``_reviews``) with its reason; the good rows of the file still land.

CSV columns (header row, UTF-8): ``tenant_id, call_id, scorecard_id, scorecard_version,
criterion_id, kind, verdict, reviewer_id, comment, reviewed_at`` — kind ``review`` | ``dispute``
| ``resolution``, verdict ``met`` | ``not_met`` | ``na`` (optional on a dispute: the verdict the
agent claims), reviewed_at ISO 8601 with an offset.

A file proves where it belongs: every row names its ``tenant_id``, which must be the tenant whose
folder holds the file (else ``review_tenant_mismatch``), and its call must be one of that
tenant's calls (else ``review_unknown_call``). Call ids are the call centres' own, so two tenants
may both have a ``call-0001``: without the tenant column, a file dropped in the wrong folder
would attach one organisation's verdicts to a call of another that its reviewers never saw.
``record_reviews`` takes the tenant as its argument; a row's ``tenant_id``, if given, must equal
it.

A bad row is kept in quarantine without its free-text ``comment`` and with every other value
that breaks its column's rule withheld (``kept_review``), phone numbers masked.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl

from transforms.core.quarantine import quarantine_row
from transforms.core.scorecards import Scorecard
from transforms.ingest.manifest import WITHHELD
from transforms.ingest.names import display
from transforms.privacy.masking import mask_phone_numbers

REVIEW_COLUMNS = (
    "tenant_id",
    "call_id",
    "scorecard_id",
    "scorecard_version",
    "criterion_id",
    "kind",
    "verdict",
    "reviewer_id",
    "comment",
    "reviewed_at",
)
#: What a review's id is a hash of (with the tenant): the columns before ``tenant_id`` was one,
#: so a review landed before and after that change is still one row.
_CONTENT_COLUMNS = tuple(c for c in REVIEW_COLUMNS if c != "tenant_id")
KINDS = ("review", "dispute", "resolution")
VERDICTS = ("met", "not_met", "na")
REVIEWS_FOLDER = "_reviews"


class ReviewError(ValueError):
    """Reviews given to ``record_reviews`` that cannot be recorded; lists each row's reason."""


@dataclass(frozen=True)
class Rejected:
    row_number: int
    reason_code: str
    reason: str
    row: dict[str, Any]


def review_id(tenant_id: str, row: Mapping[str, Any]) -> str:
    """Content hash: the same event landed twice is one row."""
    payload = json.dumps(
        [tenant_id] + [str(row.get(c) or "") for c in _CONTENT_COLUMNS], ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _timestamp(value: str) -> datetime | None:
    try:
        ts = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return ts.astimezone(UTC) if ts.tzinfo else None


def validate_reviews(
    tenant_id: str,
    entries: Iterable[Mapping[str, Any]],
    *,
    calls: pl.DataFrame,
    cards: Mapping[tuple[str, str], Scorecard],
    history: pl.DataFrame,
    source: str,
    now: datetime,
    tenant_column: bool = True,
) -> tuple[list[dict[str, Any]], list[Rejected]]:
    """(silver.human_reviews rows, rejected rows with a reason code).

    ``calls``: the tenant's bronze calls (call_id, call_uid, agent_id); ``history``: the tenant's
    human_reviews so far (a resolution needs an earlier dispute of the same call and criterion).
    ``tenant_column``: each row must carry ``tenant_id`` (a file); otherwise a row without one is
    taken as ``tenant_id``'s (``record_reviews``).
    """
    by_call = {r["call_id"]: r for r in calls.select("call_id", "call_uid", "agent_id").to_dicts()}
    disputes = {
        (r["call_uid"], r["scorecard_id"], r["scorecard_version"], r["criterion_id"])
        for r in history.filter(pl.col("kind") == "dispute").to_dicts()
    }
    good: list[dict[str, Any]] = []
    bad: list[Rejected] = []
    for n, raw in enumerate(entries, start=1):
        row = {c: ("" if raw.get(c) is None else str(raw.get(c)).strip()) for c in REVIEW_COLUMNS}

        def reject(code: str, reason: str, row: dict[str, Any] = row, n: int = n) -> None:
            bad.append(Rejected(n, code, f"row {n}: {reason}", row))

        optional = () if tenant_column else ("tenant_id",)
        missing = [c for c in REVIEW_COLUMNS if c not in raw and c not in optional]
        if missing:
            reject("review_missing_column", f"missing column(s) {', '.join(missing)}")
            continue
        if not tenant_column and not row["tenant_id"]:
            row["tenant_id"] = tenant_id
        if row["tenant_id"] != tenant_id:
            reject("review_tenant_mismatch", "tenant_id is empty or not the folder's tenant")
            continue
        call = by_call.get(row["call_id"])
        card = cards.get((row["scorecard_id"], row["scorecard_version"]))
        ts = _timestamp(row["reviewed_at"])
        if call is None:
            reject("review_unknown_call", "call_id is not a call of this tenant")
        elif card is None:
            reject("review_unknown_scorecard", "scorecard_id/scorecard_version not on file")
        elif row["criterion_id"] not in {c.id for c in card.criteria}:
            reject("review_unknown_criterion", "criterion_id is not in that scorecard version")
        elif row["kind"] not in KINDS:
            reject("review_bad_kind", f"kind must be one of {KINDS}")
        elif row["kind"] != "dispute" and row["verdict"] not in VERDICTS:
            reject("review_bad_verdict", f"verdict must be one of {VERDICTS}")
        elif row["kind"] == "dispute" and row["verdict"] not in ("", *VERDICTS):
            reject("review_bad_verdict", f"a dispute's verdict is empty or one of {VERDICTS}")
        elif not row["reviewer_id"]:
            reject("review_missing_reviewer", "reviewer_id is empty")
        elif ts is None:
            reject("review_bad_timestamp", "reviewed_at must be ISO 8601 with a UTC offset")
        elif ts > now:
            reject("review_in_future", "reviewed_at is in the future")
        elif row["kind"] == "dispute" and row["reviewer_id"] != call["agent_id"]:
            reject("dispute_not_by_agent", "a dispute must come from the call's agent")
        elif row["kind"] == "dispute" and not row["comment"]:
            reject("dispute_without_comment", "a dispute needs a comment saying why")
        elif row["kind"] == "resolution" and row["reviewer_id"] == call["agent_id"]:
            reject("resolution_by_agent", "the disputing agent cannot resolve their own dispute")
        elif (
            row["kind"] == "resolution"
            and (
                call["call_uid"],
                row["scorecard_id"],
                row["scorecard_version"],
                row["criterion_id"],
            )
            not in disputes
        ):
            reject("resolution_without_dispute", "no earlier dispute of this call and criterion")
        else:
            out = {
                "review_id": review_id(tenant_id, row),
                "tenant_id": tenant_id,
                "call_uid": call["call_uid"],
                "call_id": row["call_id"],
                "scorecard_id": row["scorecard_id"],
                "scorecard_version": row["scorecard_version"],
                "criterion_id": row["criterion_id"],
                "kind": row["kind"],
                "verdict": row["verdict"] or None,
                "reviewer_id": row["reviewer_id"],
                "comment": row["comment"] or None,
                "reviewed_at": ts,
                "source": source,
                "ingested_at": now,
            }
            good.append(out)
            if row["kind"] == "dispute":
                disputes.add(
                    (
                        out["call_uid"],
                        out["scorecard_id"],
                        out["scorecard_version"],
                        out["criterion_id"],
                    )
                )
    return good, bad


def read_review_csv(data: bytes) -> list[dict[str, str]]:
    """Rows of a review CSV; raises ReviewError when it is not UTF-8 or lacks the header."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReviewError("review file is not UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REVIEW_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ReviewError(f"review file lacks column(s) {', '.join(missing)}")
    return list(reader)


def quarantine_rows(
    tenant_id: str,
    file_name: str,
    file_sha256: str | None,
    rejected: list[Rejected],
    now: datetime,
) -> list[dict[str, Any]]:
    """bronze/quarantine rows for rejected review rows (one per row, keyed by file and row).

    The row is kept without its free-text ``comment`` (reviewers write names and numbers there)
    and with any other value that breaks its column's rule withheld (``kept_review``).
    """
    return [
        quarantine_row(
            key=f"{tenant_id}/{REVIEWS_FOLDER}/{file_sha256}/{r.row_number}",
            tenant_id=tenant_id,
            batch_id=REVIEWS_FOLDER,
            file_name=display(file_name),
            call_id=r.row.get("call_id") or None,
            file_sha256=file_sha256,
            reason_code=r.reason_code,
            reason=r.reason,
            manifest_row=kept_review(r.row),
            quarantined_at=now,
        )
        for r in rejected
    ]


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
#: The rule a value of each review column must pass to be kept in quarantine.
_KEPT_IF: dict[str, Any] = {
    "tenant_id": _ID.match,
    "call_id": _ID.match,
    "scorecard_id": _ID.match,
    "scorecard_version": _ID.match,
    "criterion_id": _ID.match,
    "reviewer_id": _ID.match,
    "kind": lambda v: v in KINDS,
    "verdict": lambda v: v in VERDICTS,
    "reviewed_at": lambda v: _timestamp(v) is not None,
}


def kept_review(row: Mapping[str, Any]) -> dict[str, str]:
    """A rejected review row as quarantine keeps it: its columns but ``comment``, each value
    that breaks its column's rule (free text, a value an unquoted comma shifted) withheld,
    phone numbers masked in the rest."""
    kept = {}
    for column, rule in _KEPT_IF.items():
        if column not in row:
            continue
        value = str(row[column] or "")
        kept[column] = "" if not value else mask_phone_numbers(value) if rule(value) else WITHHELD
    return kept


def _context(lh: Any, tenant_id: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    from transforms.core.tables import CALLS, HUMAN_REVIEWS

    calls = lh.read(CALLS, tenant_id, columns=["call_id", "call_uid", "agent_id"])
    # Only what validation needs: the disputes on file (not reviewers' free-text comments).
    history = lh.read(
        HUMAN_REVIEWS,
        tenant_id,
        columns=["kind", "call_uid", "scorecard_id", "scorecard_version", "criterion_id"],
        where={"kind": "dispute"},
    )
    return calls, history


def record_reviews(
    lh: Any,
    tenant_id: str,
    entries: Iterable[Mapping[str, Any]],
    cards: Mapping[tuple[str, str], Scorecard],
    *,
    source: str = "api",
    now: datetime | None = None,
) -> int:
    """Append reviews given in Python (all or nothing); returns the rows inserted.

    Raises ReviewError listing each bad row's reason (no row content, it may hold names).
    """
    from transforms.core.lakehouse import conform
    from transforms.core.tables import HUMAN_REVIEWS

    now = now or datetime.now(UTC)
    calls, history = _context(lh, tenant_id)
    good, bad = validate_reviews(
        tenant_id, entries, calls=calls, cards=cards, history=history, source=source, now=now,
        tenant_column=False,
    )  # fmt: skip
    if bad:
        raise ReviewError("; ".join(f"{r.reason} [{r.reason_code}]" for r in bad))
    inserted = lh.merge(HUMAN_REVIEWS, conform(HUMAN_REVIEWS, good))
    return inserted["num_target_rows_inserted"]


def ingest_review_file(
    lh: Any,
    tenant_id: str,
    file_name: str,
    data: bytes,
    cards: Mapping[tuple[str, str], Scorecard],
    *,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Land one review CSV: good rows appended, bad rows quarantined. (inserted, rejected)."""
    from transforms.core.lakehouse import conform
    from transforms.core.tables import HUMAN_REVIEWS

    now = now or datetime.now(UTC)
    sha = hashlib.sha256(data).hexdigest()
    try:
        entries = read_review_csv(data)
    except ReviewError as exc:
        unreadable = Rejected(0, "review_file_unreadable", str(exc), {})
        set_aside(lh, tenant_id, file_name, sha, [unreadable], now)
        return 0, 1
    calls, history = _context(lh, tenant_id)
    good, bad = validate_reviews(
        tenant_id, entries, calls=calls, cards=cards, history=history,
        source=f"{REVIEWS_FOLDER}/{file_name}", now=now, tenant_column=True,
    )  # fmt: skip
    inserted = lh.merge(HUMAN_REVIEWS, conform(HUMAN_REVIEWS, good))["num_target_rows_inserted"]
    if bad:
        set_aside(lh, tenant_id, file_name, sha, bad, now)
    return inserted, len(bad)


def set_aside(
    lh: Any,
    tenant_id: str,
    file_name: str,
    file_sha256: str | None,
    rejected: list[Rejected],
    now: datetime | None = None,
) -> None:
    """Commit the quarantine rows of a review file's rejected rows (or of the file itself)."""
    from transforms.core.lakehouse import conform
    from transforms.core.tables import QUARANTINE

    rows = quarantine_rows(tenant_id, file_name, file_sha256, rejected, now or datetime.now(UTC))
    lh.merge(QUARANTINE, conform(QUARANTINE, rows))
