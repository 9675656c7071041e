"""What issue 26 counts on both verdict benches: false "met" from primed evidence, forbidden-phrase
false hits and role errors, each with how many of them reached the KPIs unflagged.

- ``false_met_primed``: ``phrase_said`` verdicts "met" whose phrase was not said, on evidence from a
  primed decode (what a prompt wrote);
- ``forbidden_false_hits``: ``phrase_not_said`` verdicts "not met" (a forbidden phrase found) on
  calls whose agent said none (a sound-alike, the customer's words);
- ``role_errors``: calls whose speakers were told apart from the audio (mono) and whose roles came
  out swapped: less than ``SWAPPED_BELOW`` of the speech, by duration, given the right role.
  Unflagged means the call's ``role_check`` did not say ``disagree`` (its role-dependent verdicts
  then reach the KPIs);
- ``voices_mixed``: such calls between swapped and right (``SWAPPED_BELOW`` to ``RIGHT_FROM``):
  diarization put parts of both voices under each label, which no choice of roles fixes; counted
  apart, with how many went unflagged.

Rows are the benches' verdict rows (``kind``, ``label``, ``met``, ``flagged``, ``decode``); calls
are dicts with ``agreement`` (``speaker_agreement``; None when the roles come from the channels)
and ``role_check``. Code of main without these fields gives ``decode`` None and ``role_check`` None.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

#: A call's roles are swapped when less than this share of its judged speech has the right role,
#: right from ``RIGHT_FROM``; in between, diarization mixed the voices.
SWAPPED_BELOW = 1 / 3
RIGHT_FROM = 2 / 3
#: A word whose times span more than this is an alignment failure, not a word said, and is not
#: judged: on a French dev call one "Oui," spanned 23 s of both voices and, judged by its middle,
#: outweighed the rest of the call (roles right, counted swapped).
WORD_MAX_S = 2.0


def speaker_agreement(segments: Iterable[Any], turns: Sequence[dict]) -> float | None:
    """Share of the words (by duration) given to the speaker the script had speaking then; a
    word is judged when its middle falls in exactly one turn and it spans at most
    ``WORD_MAX_S``. None when too little is judged."""
    agree = total = 0.0
    for seg in segments:
        for w in seg.words:
            middle = (w.start_s + w.end_s) / 2
            speaking = {t["speaker"] for t in turns if t["start_s"] <= middle <= t["end_s"]}
            if len(speaking) != 1 or w.end_s - w.start_s > WORD_MAX_S:
                continue
            total += w.end_s - w.start_s
            agree += (w.end_s - w.start_s) * (seg.speaker in speaking)
    return agree / total if total > 2.0 else None


def counts(rows: Sequence[dict], calls: Sequence[dict]) -> dict[str, int]:
    false_met = [
        r
        for r in rows
        if r["kind"] == "phrase_said" and not r["label"] and r["met"] and r["decode"] == "primed"
    ]
    false_hits = [r for r in rows if r["kind"] == "phrase_not_said" and r["label"] and not r["met"]]
    judged = [c for c in calls if c["agreement"] is not None]
    swapped = [c for c in judged if c["agreement"] < SWAPPED_BELOW]
    mixed = [c for c in judged if SWAPPED_BELOW <= c["agreement"] < RIGHT_FROM]
    return {
        "false_met_primed": len(false_met),
        "false_met_primed_unflagged": sum(not r["flagged"] for r in false_met),
        "forbidden_false_hits": len(false_hits),
        "forbidden_false_hits_unflagged": sum(not r["flagged"] for r in false_hits),
        "mono_calls": len(judged),
        "role_errors": len(swapped),
        "role_errors_unflagged": sum(c["role_check"] != "disagree" for c in swapped),
        "voices_mixed": len(mixed),
        "voices_mixed_unflagged": sum(c["role_check"] != "disagree" for c in mixed),
    }


def match_figures(result: Any, card: Any, language: str | None, rules: Any) -> dict[str, Any]:
    """For a ``phrase_said`` verdict on primed evidence: how well the unprimed decode matched the
    phrase there (``support``) and the mean word probability of the matched primed words
    (``match_p``: Whisper's alignment of those words, which runs without the prompt). Empty
    otherwise (a diagnostic row's extra columns)."""
    from transforms.score import scoring

    seg = result.evidence
    if result.kind != "phrase_said" or seg is None or not getattr(seg, "primed", False):
        return {}
    criterion = next(c for c in card.criteria if c.id == result.criterion_id)
    phrasings = criterion.phrasings(language)
    phrase = result.matched_phrase
    words = scoring._matched_words(seg, phrase, language, rules) if phrase else []
    return {
        "support": round(scoring._support(seg, phrasings, language, rules), 1),
        "match_p": round(sum(w.probability for w in words) / len(words), 3) if words else None,
        "match_p_min": round(min(w.probability for w in words), 3) if words else None,
    }
