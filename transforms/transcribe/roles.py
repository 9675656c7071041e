"""Who is the agent: the voice that greets with the company's name, else the tenant's rule.

Used when the audio does not say it (mono, fake stereo, stereo with no declared layout).
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from transforms.core.text import normalise
from transforms.transcribe.biasing import company_name

#: Only the opening counts: an agent greets within the first seconds of their speech.
OPENING_WORDS = 25
#: rapidfuzz partial ratio for a phrase to count as said (tolerates one ASR slip).
MATCH_MIN = 85
FALLBACK_RULES = ("first_speaker", "second_speaker")


@dataclass(frozen=True)
class RoleHints:
    """Per tenant: its company name, greeting phrases and the rule when no one greets."""

    company: str = ""
    greetings: tuple[str, ...] = ()
    fallback: str = "first_speaker"

    @classmethod
    def for_tenant(cls, tenant: object | None) -> RoleHints:
        if tenant is None:
            return cls()
        name = company_name(getattr(tenant, "display_name", ""))
        return cls(
            company=name,
            greetings=tuple(getattr(tenant, "greeting_phrases", ()) or ()),
            fallback=getattr(tenant, "agent_rule", "first_speaker") or "first_speaker",
        )


def greeting_score(opening: str, hints: RoleHints) -> float:
    """How strongly an opening sounds like the tenant's agent (0 = not at all)."""
    text = normalise(" ".join(opening.split()[:OPENING_WORDS]))
    score = 0.0
    phrases = [hints.company, *hints.greetings] if hints.company else list(hints.greetings)
    for phrase in phrases:
        p = normalise(phrase)
        if p and fuzz.partial_ratio(p, text) >= MATCH_MIN:
            score += 2.0 if phrase == hints.company else 1.0
    return score


def agent_of(openings: list[str], first_speaker: int, hints: RoleHints) -> tuple[int, str]:
    """(index of the agent among two voices, how it was decided: ``greeting`` | the rule)."""
    scores = [greeting_score(o, hints) for o in openings]
    if len(scores) == 2 and scores[0] != scores[1]:
        return (0 if scores[0] > scores[1] else 1), "greeting"
    if hints.fallback == "second_speaker":
        return 1 - first_speaker, hints.fallback
    return first_speaker, "first_speaker"
