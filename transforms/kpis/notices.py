"""The notice every screen that scores people carries: the AI's verdicts can be wrong and carry
bias, and a person validates any decision about an employee.

The data processing agreement's AI clause asks it, and so does the EU AI Act (Regulation (EU)
2024/1689): AI that evaluates workers' performance is high-risk (Annex III, point 4(b)), used
under human oversight (art. 14) by people the deployer assigns (art. 26). The tenant's KPI
report and ``ccr kpis`` print it from here, docs/bi.md quotes it (a test keeps the page equal to
these words), and the figures of what still waits for a person are the marts' columns.
"""

from __future__ import annotations

import textwrap

TITLE = "Before you act on these scores"
ERROR_AND_BIAS = (
    "These scores come from automated analysis: speech-to-text and AI scoring of the call "
    "recordings. They can be wrong (a misheard word, a missed context, a poor line) and may "
    "carry bias: accents, languages, voices or call conditions the models handle less well can "
    "score lower."
)
HUMAN_VALIDATION = (
    "No decision about an employee (appraisal, bonus, sanction, training, dismissal) may rest on "
    "these scores alone: a person checks the calls and verdicts concerned, with their evidence, "
    "can override any verdict, and validates the decision (the data processing agreement's AI "
    "clause; EU AI Act art. 14 and 26, AI that evaluates workers being high-risk under Annex "
    "III 4(b); GDPR art. 22)."
)
#: The agg_tenant_kpis (and agg_agent_kpis) columns the pending line shows.
PENDING_COLUMNS = ("verdicts_pending_review", "disputes_open")


def pending_review(verdicts_pending: int | None, disputes_open: int | None) -> str:
    """What still waits for a person, from the mart's columns as they are."""
    if verdicts_pending is None:
        return "No call scored yet."
    verdicts = (
        "No AI verdict is waiting for a reviewer"
        if not verdicts_pending
        else f"{verdicts_pending:,} AI verdict{'s are' if verdicts_pending != 1 else ' is'} "
        "waiting for a reviewer: left out of the scores until a person decides, so the scores "
        "of the agents concerned may still change"
    )
    disputes = (
        "no agent dispute is open"
        if not disputes_open
        else f"{disputes_open:,} agent dispute{'s are' if disputes_open != 1 else ' is'} open: "
        "the disputed verdicts count as they stand until a reviewer resolves them"
    )
    return f"{verdicts}; {disputes}."


def agent_pending(verdicts_pending: int | None) -> str:
    """The mark after an agent's score in a ranking: its verdicts still waiting for a person."""
    return f"{verdicts_pending:,} pending review" if verdicts_pending else ""


def as_text(width: int = 100) -> str:
    """The notice as plain text (``ccr kpis``)."""
    return "\n".join(
        [f"{TITLE}:"]
        + [
            textwrap.fill(p, width, initial_indent="- ", subsequent_indent="  ")
            for p in (ERROR_AND_BIAS, HUMAN_VALIDATION)
        ]
    )
