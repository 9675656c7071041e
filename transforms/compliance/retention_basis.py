"""Retention as the controller reads it: each category's period, where it runs from, its legal
basis, what happens after the contract, and where the code is stricter than the contract.

One source for each fact: the periods and their anchors are the data contracts' (the retention
job acts on the same fields), what happens after the contract is the contracts'
``afterContractEnd``, and the legal basis of each category and the limit it sets are the table
below, written once. The record of processing and ``ccr retention plan`` both show
``retention_basis()``; a test keeps every period within its legal limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from transforms.core.contracts import Contract, Period, category_periods, load_contracts
from transforms.core.lifecycle import MAX_GRACE_DAYS
from transforms.core.tenants import Tenant

#: What the data processing agreement says of the personal data, whatever its category.
CONTRACT_TERMS = (
    "DPA: data kept for the subscription and deleted at most "
    f"{MAX_GRACE_DAYS} days after it ends, unless a legal hold or a restitution request made "
    "before the deletion; anonymised statistics may be kept"
)


@dataclass(frozen=True)
class Basis:
    """The legal side of a retention category, in the words the record and the plan print."""

    #: The data in the category.
    what: str
    #: The rule its period follows.
    legal_basis: str
    #: The longest period that rule allows, in words, and in the fewest days it can mean (six
    #: calendar months are at least 181 days, February to July); None where it sets none.
    limit: str | None = None
    limit_days: int | None = None
    #: False for a category that holds no personal data (it may outlive the contract).
    personal: bool = True


CNIL = "CNIL délibération n° 2014-474 (recording and evaluation of calls at work)"
BASES: dict[str, Basis] = {
    "content": Basis(
        "call recordings and playback copies, transcripts and their segments, evidence quotes, "
        "reviewers' comments, the caller pseudonym",
        f"{CNIL}: call recordings kept at most 6 months from their collection; what is derived "
        "from a recording goes with it",
        "6 months",
        181,
    ),
    "evaluation": Basis(
        "call facts (agent, team, campaign, start), conversation metrics, scores and verdicts, "
        "call topics, human reviews and disputes, scorecard versions",
        f"{CNIL}: evaluation documents (scores, grids) kept at most 1 year",
        "1 year",
        365,
    ),
    "marts": Basis(
        "the KPI marts and each tenant's published database and report",
        f"computed from the evaluations, so theirs: {CNIL}, evaluation documents at most 1 year",
        "1 year",
        365,
    ),
    "quarantine": Basis(
        "rejected files and manifest rows, rows set aside by a contract rule",
        "GDPR art. 5(1)(c) and (e), data minimisation and storage limitation: kept only for "
        "the client to correct and send again",
    ),
    "processing_log": Basis(
        "the processing log and the daily retention plans (counts, never personal data)",
        "GDPR art. 5(2), accountability: the processor's evidence of what it processed and deleted",
        personal=False,
    ),
    "anonymised": Basis(
        "anonymised monthly statistics (no identifier, small cells suppressed)",
        "anonymised data is outside the GDPR (recital 26); the DPA allows keeping anonymised "
        "statistics",
        personal=False,
    ),
}
#: Where a period runs from, by the contracts' ``retentionAnchor``.
ANCHORS = {
    "call_uid": "the call's start",
    "started_at": "the call's start",
    "quarantined_at": "being set aside",
    "rejected_at": "being set aside",
    "recorded_at": "their last use (scorecard versions)",
    "logged_at": "being written",
    "planned_at": "being written",
    "computed_at": "the month's computation",
}


@dataclass(frozen=True)
class CategoryRetention:
    category: str
    what: str
    period: Period
    runs_from: str
    legal_basis: str
    limit: str | None
    #: The period is no longer than the legal limit (True where there is none).
    within_limit: bool
    #: The contracts' ``afterContractEnd``.
    after_contract: str
    #: How the period compares with the DPA's terms, in words.
    versus_contract: str
    #: The tenant's own period, and why, where a tenant overrides the contracts'.
    override: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "what": self.what,
            "period": str(self.period),
            "period_in_words": words(self.period),
            "runs_from": self.runs_from,
            "legal_basis": self.legal_basis,
            "legal_limit": self.limit,
            "within_legal_limit": self.within_limit,
            "after_contract": self.after_contract,
            "versus_contract": self.versus_contract,
            **({"override": self.override} if self.override else {}),
        }


def words(period: Period) -> str:
    n, unit = (period.years, "year") if period.years else (period.days, "day")
    return f"{n} {unit}{'s' if n != 1 else ''}"


def retention_basis(
    contracts: Mapping[str, Contract] | None = None, tenant: Tenant | None = None
) -> list[CategoryRetention]:
    """Every retention category of the contracts, in the order of ``BASES``; with ``tenant``,
    its overrides in force. A category the contracts use and ``BASES`` lacks is an error."""
    contracts = dict(contracts or load_contracts())
    periods = category_periods(contracts)
    missing = sorted(set(periods) - set(BASES))
    if missing:
        raise ValueError(
            f"retention categories {missing} have no legal basis in "
            "transforms/compliance/retention_basis.py: add them to BASES"
        )
    overrides = tenant.lifecycle.retention_overrides if tenant is not None else {}
    out = []
    for category, basis in BASES.items():
        if category not in periods:
            continue
        of_category = [c for c in contracts.values() if c.retention_category == category]
        override = overrides.get(category)
        period = override.period if override else periods[category]
        within = basis.limit_days is None or period.approx_days <= basis.limit_days
        runs_from = _runs_from(category, of_category)
        after_contract = _after_contract(of_category)
        out.append(
            CategoryRetention(
                category=category,
                what=basis.what,
                period=period,
                runs_from=runs_from,
                legal_basis=basis.legal_basis,
                limit=basis.limit,
                within_limit=within,
                after_contract=after_contract,
                versus_contract=_versus_contract(basis, period, within, runs_from, after_contract),
                override=(
                    f"{tenant.tenant_id}'s own period, {words(period)} instead of "
                    f"{words(periods[category])}"
                    + (f": {override.justification}" if override.justification else "")
                    if override and tenant
                    else None
                ),
            )
        )
    return out


def _runs_from(category: str, contracts: list[Contract]) -> str:
    if category == "marts":
        return "the calls' start (rebuilt by every KPI build from the evaluations still kept)"
    anchors = [ANCHORS.get(a, a) for a in (c.retention_anchor for c in contracts) if a]
    # the most common first: "the call's start; their last use (scorecard versions)"
    return "; ".join(sorted(dict.fromkeys(anchors), key=lambda a: -anchors.count(a)))


def _after_contract(contracts: list[Contract]) -> str:
    """The contracts' ``afterContractEnd`` of the category (the most common wording)."""
    texts = [c.retention.get("afterContractEnd", "") for c in contracts]
    return max(dict.fromkeys(texts), key=texts.count) if texts else ""


def _versus_contract(
    basis: Basis, period: Period, within: bool, runs_from: str, after_contract: str
) -> str:
    if not basis.personal:
        return f"after the contract, {after_contract}"
    anchor = runs_from.split(";")[0].split(" (")[0]
    text = (
        f"stricter than the contract: deleted {words(period)} after {anchor}, during the "
        "subscription, where the DPA alone would keep it until the contract ends"
    )
    if not within:
        text += f"; LONGER than the legal limit ({basis.limit})"
    return text


def format_retention_basis(rows: list[CategoryRetention] | None = None) -> str:
    """The categories as ``ccr retention plan`` prints them under the plan."""
    rows = retention_basis() if rows is None else rows
    lines = [
        "Retention by category: periods from the data contracts, legal basis and the contract "
        f"({CONTRACT_TERMS}):"
    ]
    for r in rows:
        lines += [
            f"- {r.category}: {words(r.period)} from {r.runs_from}: {r.what}",
            f"    legal basis: {r.legal_basis}",
            f"    contract: {r.versus_contract}",
        ]
        if r.override:
            lines.append(f"    override: {r.override}")
    return "\n".join(lines)
