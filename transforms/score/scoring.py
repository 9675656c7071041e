"""The scoring of one transcript against one scorecard version, with evidence on every verdict.

A person reviewing an AI verdict must be able to check it in seconds (EU AI Act: scoring workers is
high-risk; verdicts must be explainable and overridable), so every verdict carries evidence: the
quote, when it was said, by whom and how sure the ASR was, or the metric value it rests on.

Verdicts are ``met``, ``not_met`` or ``na`` (the criterion's ``na_when`` holds: it counts neither
for nor against). A verdict is flagged ``needs_review`` (and kept out of agent KPIs until a person
confirms it) when it rests on:

- ``low_confidence``: evidence transcribed below the card's ``review_below_confidence``;
- ``speaker_unknown``: a speaker-specific criterion decided by speech of an unattributed speaker
  (mono audio before diarization: the match is accepted from any speaker, a person checks who);
- ``near_miss``: the best phrasing scored within ``NEAR_MISS_MARGIN`` below the match threshold;
- ``not_heard``: a phrase_said criterion not met where the closest match is within the wider
  ``NOT_HEARD_MARGIN``, or where speech that could hold the phrase was transcribed with low
  word confidence: "not heard" is not "not said";
- ``metric_unavailable``: a metric that cannot be computed for this call (verdict ``na``).

A critical criterion that is not met fails the whole call: score 0, not passed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from transforms.core.scorecards import (
    Criterion,
    Scorecard,
    ScorecardError,
    latest,
    load_scorecard,
    load_scorecards,
    phrasings_for,
)
from transforms.core.text import normalise
from transforms.core.transcript import Segment
from transforms.score.matching import best_phrase, phrase_similarity, similarity, speaker_ok

__all__ = [
    "CallScore",
    "CriterionResult",
    "Scorecard",
    "ScorecardError",
    "ScoringRules",
    "latest",
    "load_scorecard",
    "load_scorecards",
    "normalise",
    "phrase_similarity",
    "quote",
    "score_call",
]

#: A best match this close below the threshold is neither clearly said nor clearly absent.
NEAR_MISS_MARGIN = 8.0
#: ``not_heard``: a phrase_said criterion not met is flagged when its best match is within this
#: many points of the threshold, or when speech of NOT_HEARD_MIN_WORDS words or more that could
#: hold it was transcribed with a mean word probability below NOT_HEARD_CONFIDENCE. Chosen on the
#: French set's dev split only (bench/french_accuracy.py --split dev): with the confidence rule
#: the margin adds little there (8 and 15 flag the same misses), but it is what catches a close,
#: mangled match on clear audio; 0.5 flags the garbled turns (espeak at 8 kHz: 0.1-0.45) and lets
#: clear ones (0.6-0.9) count as "not said"; 6 words keeps short "oui" turns out. Lower
#: confidences left more silent errors (0.4: 8 % of dev verdicts against 4 %).
NOT_HEARD_MARGIN = 15.0
NOT_HEARD_CONFIDENCE = 0.5
NOT_HEARD_MIN_WORDS = 6
#: A match whose own words Whisper wrote with a mean probability below this goes to review
#: (``low_confidence``): a prompt can make Whisper write a wanted phrase that was not said, and it
#: writes it unsure. On the dev split every prompt-made false "met" scored under 0.4, against a
#: quarter of the true ones under 0.3: 0.3 stopped 10 of 12 false "met" for 31 true ones flagged.
MATCH_WORD_CONFIDENCE = 0.3
_QUOTE_MAX = 240


@dataclass(frozen=True)
class ScoringRules:
    """Switches for rules a benchmark compares against main's behaviour; the defaults are
    what the product runs."""

    #: French phonetic similarity beside the character ratio (``matching.phrase_similarity``).
    phonetic: bool = True
    #: ``not_heard`` review flag on phrase_said criteria not met.
    not_heard: bool = True


DEFAULT_RULES = ScoringRules()


def segment_confidence(segment: Segment) -> float:
    """ASR confidence of a segment: exp(mean token log-probability), 0-1."""
    return round(math.exp(segment.avg_logprob), 4)


@dataclass(frozen=True)
class CriterionResult:
    criterion_id: str
    criterion_name: str
    section_id: str
    kind: str
    critical: bool
    weight: float
    status: str  # met | not_met | na
    evidence: Segment | None
    #: match | near_miss | not_heard | metric | order | none
    evidence_kind: str
    match_score: float | None = None
    matched_phrase: str | None = None
    metric_value: float | None = None
    evidence_note: str | None = None
    review_reason: str | None = None

    @property
    def met(self) -> bool:
        return self.status == "met"

    @property
    def points_possible(self) -> float:
        return 0.0 if self.status == "na" else self.weight

    @property
    def points_earned(self) -> float:
        return self.weight if self.status == "met" else 0.0

    @property
    def needs_review(self) -> bool:
        return self.review_reason is not None

    def confidence(self) -> float | None:
        return segment_confidence(self.evidence) if self.evidence else None


@dataclass(frozen=True)
class CallScore:
    score: float
    points_earned: float
    points_possible: float
    passed: bool
    critical_failed: bool
    results: tuple[CriterionResult, ...]

    @property
    def criteria_met(self) -> int:
        return sum(r.met for r in self.results)

    @property
    def criteria_na(self) -> int:
        return sum(r.status == "na" for r in self.results)

    @property
    def needs_review(self) -> bool:
        return any(r.needs_review for r in self.results)


def _candidates(
    criterion: Criterion, segments: Sequence[Segment], duration_s: float
) -> list[Segment]:
    out = []
    for seg in segments:
        if not speaker_ok(criterion.speaker, seg.speaker):
            continue
        if criterion.first_s is not None and seg.start_s > criterion.first_s:
            continue
        if criterion.last_s is not None and seg.end_s < duration_s - criterion.last_s:
            continue
        out.append(seg)
    return out


def _best_match(
    phrasings: list[tuple[str, str]],
    segments: Sequence[Segment],
    language: str | None,
    rules: ScoringRules = DEFAULT_RULES,
) -> tuple[Segment | None, str | None, float]:
    best_seg, best_phrase_, best = None, None, 0.0
    for seg in segments:
        phrase, sim = best_phrase(phrasings, seg.text, language, rules.phonetic)
        if sim > best:
            best_seg, best_phrase_, best = seg, phrase, sim
    return best_seg, best_phrase_, best


def _first_match(
    criterion: Criterion,
    segments: Sequence[Segment],
    language: str | None,
    duration_s: float,
    threshold: float,
    rules: ScoringRules = DEFAULT_RULES,
) -> Segment | None:
    phrasings = criterion.phrasings(language)
    for seg in sorted(_candidates(criterion, segments, duration_s), key=lambda s: s.start_s):
        if best_phrase(phrasings, seg.text, language, rules.phonetic)[1] >= threshold:
            return seg
    return None


def _not_applicable(
    criterion: Criterion,
    segments: Sequence[Segment],
    language: str | None,
    duration_s: float,
    campaign: str | None,
    threshold: float,
    rules: ScoringRules = DEFAULT_RULES,
) -> str | None:
    na = criterion.na_when
    if na is None:
        return None
    if na.duration_below_s is not None and duration_s < na.duration_below_s:
        return f"call shorter than {na.duration_below_s:g} s"
    if na.campaign_in and campaign in na.campaign_in:
        return f"campaign {campaign!r} exempt"
    if na.campaign_not_in and campaign not in na.campaign_not_in:
        return f"campaign {campaign!r} not covered"
    if na.phrase_said is not None:
        cond = na.phrase_said
        phrasings = phrasings_for(cond.phrases, language)
        pool = [s for s in segments if speaker_ok(cond.speaker, s.speaker)]
        seg, _, sim = _best_match(phrasings, pool, language, rules)
        if seg is not None and sim >= threshold:
            return "exempting phrase said"
    return None


def _review_reason(card: Scorecard, criterion: Criterion, seg: Segment | None) -> str | None:
    if seg is None:
        return None
    if criterion.speaker != "any" and seg.speaker == "unknown":
        return "speaker_unknown"
    if segment_confidence(seg) < card.review_below_confidence:
        return "low_confidence"
    return None


def _phrase_result(
    card: Scorecard,
    criterion: Criterion,
    segments: Sequence[Segment],
    language: str | None,
    duration_s: float,
    rules: ScoringRules = DEFAULT_RULES,
) -> CriterionResult:
    candidates = _candidates(criterion, segments, duration_s)
    seg, phrase, sim = _best_match(criterion.phrasings(language), candidates, language, rules)
    found = seg is not None and sim >= card.match_threshold
    status = "met" if found == (criterion.kind == "phrase_said") else "not_met"
    near = seg is not None and not found and sim >= card.match_threshold - NEAR_MISS_MARGIN
    # Evidence is the utterance that decided (the phrase said, the forbidden word), or the
    # closest miss so a reviewer sees what was almost said.
    evidence = seg if (found or near) else None
    reason = _review_reason(card, criterion, evidence) if found else ("near_miss" if near else None)
    if (
        found
        and reason is None
        and rules.not_heard
        and phrase is not None
        and seg is not None
        and _matched_word_confidence(seg, phrase, language, rules) < MATCH_WORD_CONFIDENCE
    ):
        reason = "low_confidence"
    kind = "match" if found else ("near_miss" if near else "none")
    if (
        rules.not_heard
        and reason is None
        and status == "not_met"
        and criterion.kind == "phrase_said"
    ):
        unheard = _not_heard(card, candidates, seg, sim)
        if unheard is not None:
            evidence, reason, kind = unheard, "not_heard", "not_heard"
    return _result(
        criterion,
        status=status,
        evidence=evidence,
        evidence_kind=kind,
        match_score=round(sim, 1) if seg is not None else None,
        matched_phrase=phrase if evidence is not None else None,
        review_reason=reason,
    )


def _not_heard(
    card: Scorecard, candidates: Sequence[Segment], best: Segment | None, sim: float
) -> Segment | None:
    """The speech a person should listen to before "not said" counts, or None when the
    transcript is clear enough that the phrase was not said.

    A phrase is not heard, rather than not said, when the closest match is within
    ``NOT_HEARD_MARGIN`` of the threshold (the best match is the evidence), or when speech that
    could hold it was transcribed with a mean word probability below ``NOT_HEARD_CONFIDENCE``
    (the least sure such segment is the evidence).
    """
    if best is not None and sim >= card.match_threshold - NOT_HEARD_MARGIN:
        return best
    unsure = [
        s
        for s in candidates
        if len(s.words or s.text.split()) >= NOT_HEARD_MIN_WORDS
        and _word_confidence(s) < NOT_HEARD_CONFIDENCE
    ]
    return min(unsure, key=_word_confidence) if unsure else None


def _matched_word_confidence(
    seg: Segment, phrase: str, language: str | None, rules: ScoringRules
) -> float:
    """Mean probability Whisper gave the words that matched ``phrase`` (the best window of the
    phrase's word count ±1); 1.0 when the segment has no word timings."""
    words = [w for w in seg.words if w.word.strip()]
    if not words:
        return 1.0
    target = normalise(phrase, language)
    n = len(target.split())
    best, confidence = -1.0, 1.0
    for size in sorted({max(1, n - 1), n, n + 1}):
        for i in range(max(1, len(words) - size + 1)):
            window = words[i : i + size]
            text = normalise("".join(w.word for w in window), language)
            sim = similarity(target, text, language, rules.phonetic)
            if sim > best:
                best = sim
                confidence = sum(w.probability for w in window) / len(window)
    return confidence


def _word_confidence(segment: Segment) -> float:
    """Mean word probability of a segment (its chunk's confidence when it has no words)."""
    return segment.confidence if segment.confidence is not None else segment_confidence(segment)


def _result(criterion: Criterion, **verdict: Any) -> CriterionResult:
    """A verdict on ``criterion``, its identity (id, section, kind, weight…) filled in."""
    return CriterionResult(
        criterion_id=criterion.id,
        criterion_name=criterion.name,
        section_id=criterion.section_id,
        kind=criterion.kind,
        critical=criterion.critical,
        weight=criterion.weight,
        **verdict,
    )


def _metric_result(
    criterion: Criterion, metrics: Mapping[str, float | int | None]
) -> CriterionResult:
    value = metrics.get(criterion.metric or "")
    bounds = []
    if criterion.min_value is not None:
        bounds.append(f"min {criterion.min_value:g}")
    if criterion.max_value is not None:
        bounds.append(f"max {criterion.max_value:g}")
    if value is None:
        status, reason, note = "na", "metric_unavailable", f"{criterion.metric} unavailable"
    else:
        ok = (criterion.min_value is None or value >= criterion.min_value) and (
            criterion.max_value is None or value <= criterion.max_value
        )
        status, reason = ("met" if ok else "not_met"), None
        note = f"{criterion.metric} = {float(value):.2f} ({', '.join(bounds)})"
    return _result(
        criterion,
        status=status,
        evidence=None,
        evidence_kind="metric",
        metric_value=None if value is None else float(value),
        evidence_note=note,
        review_reason=reason,
    )


def _order_result(
    card: Scorecard,
    criterion: Criterion,
    segments: Sequence[Segment],
    language: str | None,
    duration_s: float,
    rules: ScoringRules = DEFAULT_RULES,
) -> CriterionResult:
    steps = [
        _first_match(
            card.criterion(ref), segments, language, duration_s, card.match_threshold, rules
        )
        for ref in criterion.order
    ]
    if any(s is None for s in steps):
        # A missing step already fails its own criterion; the order cannot be judged.
        missing = [ref for ref, s in zip(criterion.order, steps, strict=True) if s is None]
        return _result(
            criterion, status="na", evidence=None, evidence_kind="order",
            evidence_note=f"step not found: {', '.join(missing)}",
        )  # fmt: skip
    found = [s for s in steps if s is not None]
    for ref, prev, cur in zip(criterion.order[1:], found, found[1:], strict=False):
        if cur.start_s < prev.start_s:
            return _result(
                criterion, status="not_met", evidence=cur, evidence_kind="order",
                evidence_note=f"{ref} came too early",
                review_reason=_review_reason(card, criterion, cur),
            )  # fmt: skip
    return _result(
        criterion, status="met", evidence=found[-1], evidence_kind="order",
        evidence_note="steps in order", review_reason=_review_reason(card, criterion, found[-1]),
    )  # fmt: skip


def score_call(
    card: Scorecard,
    segments: Sequence[Segment],
    *,
    language: str | None,
    duration_s: float,
    campaign: str | None = None,
    metrics: Mapping[str, float | int | None] | None = None,
    rules: ScoringRules = DEFAULT_RULES,
) -> CallScore:
    """Score one transcript; ``metrics`` (silver.call_metrics values) feed metric criteria."""
    results = []
    for criterion in card.criteria:
        why_na = _not_applicable(
            criterion, segments, language, duration_s, campaign, card.match_threshold, rules
        )
        if why_na is not None:
            results.append(
                _result(
                    criterion,
                    status="na",
                    evidence=None,
                    evidence_kind="none",
                    evidence_note=why_na,
                )
            )
        elif criterion.kind == "metric_threshold":
            results.append(_metric_result(criterion, metrics or {}))
        elif criterion.kind == "event_order":
            results.append(_order_result(card, criterion, segments, language, duration_s, rules))
        else:
            results.append(_phrase_result(card, criterion, segments, language, duration_s, rules))
    earned = sum(r.points_earned for r in results)
    possible = sum(r.points_possible for r in results)
    critical_failed = any(r.critical and r.status == "not_met" for r in results)
    score = round(100.0 * earned / possible, 2) if possible else 0.0
    if critical_failed:
        score = 0.0  # a failed critical item fails the whole call, whatever else was met
    passed = not critical_failed and possible > 0 and score >= card.pass_threshold
    return CallScore(score, earned, possible, passed, critical_failed, tuple(results))


def quote(segment: Segment | None) -> str | None:
    if segment is None:
        return None
    text = segment.text.strip()
    return text if len(text) <= _QUOTE_MAX else text[: _QUOTE_MAX - 1] + "…"
