"""The scoring of one transcript against one scorecard version, with evidence on every verdict.

A person reviewing an AI verdict must be able to check it in seconds (EU AI Act: scoring workers is
high-risk; verdicts must be explainable and overridable), so every verdict carries evidence: the
quote, when it was said, by whom and how sure the ASR was, or the metric value it rests on.

Verdicts are ``met``, ``not_met`` or ``na`` (the criterion's ``na_when`` holds: it counts neither
for nor against). A verdict is flagged ``needs_review`` (and kept out of agent KPIs until a person
confirms it) with one of ``REVIEW_REASONS``.

Evidence is proof only where the words were heard (issue 26):

- primed text is a hint: a phrase found in a segment decoded primed with the card's phrasings
  counts as said only when the unprimed decode of the same audio supports it
  (``PRIMED_SUPPORT_MIN``); otherwise the verdict is ``not_met`` and flagged ``primed_only``;
- a forbidden phrase (``phrase_not_said``) needs its words (``matching.words_similarity`` at
  ``FORBIDDEN_THRESHOLD``); a sound-alike is flagged ``near_miss``, never judged, and a hit after a
  negation or a mention cue ("I would never say whatever") is flagged ``negated_or_quoted``, and
  one whose words Whisper wrote unsure (``FORBIDDEN_WORD_CONFIDENCE``) ``low_confidence``;
- when the role signals of a mono call disagree (``role_check``), its role-dependent verdicts are
  flagged ``roles_uncertain``.

A critical criterion that is not met fails the whole call: score 0, not passed.
"""

from __future__ import annotations

import dataclasses
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
from transforms.core.transcript import Segment, Word
from transforms.score.matching import (
    best_phrase,
    best_words,
    phrase_similarity,
    similarity,
    speaker_ok,
    words_match,
)

__all__ = [
    "REVIEW_REASONS",
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
    "unprimed_quote",
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
#: A phrase found in primed text counts as said only when what the unprimed decode heard there
#: matches it at least this well (the same matcher, a looser bar than the card's threshold): the
#: prompt may only have fixed what Whisper half heard. Below it the verdict is ``not_met`` and
#: flagged ``primed_only``. Chosen on the dev splits of both verdict benchmarks: on the French
#: set's, phrases not said reached 57 (a one-word greeting against unrelated words) and 60 was the
#: lowest bar that let none through unflagged; 65 keeps a margin for 3 more of the true ones sent
#: to a person (1.7 % of verdicts). The scoring bench's clear audio is rarely primed.
PRIMED_SUPPORT_MIN = 65.0
#: The unprimed words that can support a primed match: those heard within this many seconds of
#: the matched primed words (two decodes of one chunk place a word within a few tenths of a
#: second of each other).
SUPPORT_PAD_S = 1.0
#: A forbidden phrase is said when ``words_similarity`` (its words, on characters) reaches this:
#: stricter than the card's threshold, because a sound-alike must not cost an agent the criterion
#: ("sur n'importe quel marché" heard "sur un importe qu'elle" matched "n'importe quoi" at 89 by
#: sound). Chosen on the dev splits: sound-alikes reached 92.9 ("a bit out my problem"), a real
#: use heard with one slip 97.6 ("est pas mon pro…" for "c'est pas mon problème").
FORBIDDEN_THRESHOLD = 95.0
#: A forbidden phrase whose matched words Whisper wrote with a mean probability below this is
#: flagged ``low_confidence`` (still ``not_met``): whole words are not proof when the decoder was
#: unsure of them, and a sound-alike can come out as the forbidden word itself (an agent's "I was
#: stupefied too" written "I want stupid hype", "stupid" at 0.34). 0.7 is the bar below which the
#: transcriber itself treats speech as unsure and decodes it again (``PRIME_BELOW`` in
#: transforms/transcribe/engine.py), not a value fitted here; it changes no verdict on the dev
#: splits of either verdict benchmark. Written after the scoring bench's held-out customer-first
#: calls showed three such sound-alikes unflagged (docs/benchmarks.md, "Evidence (issue 26)").
FORBIDDEN_WORD_CONFIDENCE = 0.7
#: Words that, among the ``CUE_WINDOW`` words before a forbidden phrase, make it a negated use or a
#: mention ("I would never say whatever", "le mot « débrouillez-vous »"): flagged
#: ``negated_or_quoted`` for a person, the verdict still ``not_met`` (the words were said). Saying
#: verbs are not cues: "vous dites n'importe quoi" is the insult itself.
CONTEXT_CUES = {
    "en": frozenset({
        "never", "not", "no", "nor", "without", "dont", "doesnt", "didnt", "wont", "wouldnt",
        "cant", "cannot", "couldnt", "shouldnt", "isnt", "arent", "wasnt", "werent", "havent",
        "hasnt", "mustnt", "word", "words", "term", "quote", "quoting",
    }),
    "fr": frozenset({"jamais", "pas", "ni", "sans", "aucun", "aucune", "mot", "mots", "terme",
                     "expression"}),
}  # fmt: skip
CUE_WINDOW = 4
#: Metrics computed per role (``transforms.score.metrics``): wrong roles make them wrong.
ROLE_METRICS = frozenset(
    {
        "agent_talk_share",
        "customer_talk_share",
        "agent_interruptions",
        "agent_words_per_minute",
        "time_to_first_agent_word_s",
    }
)
#: Every ``review_reason`` a verdict may carry. silver.criterion_results' contract lists exactly
#: these and docs/scorecards.md documents them (tests/unit/score/test_review_reasons.py).
REVIEW_REASONS: dict[str, str] = {
    "low_confidence": "evidence transcribed with low confidence",
    "speaker_unknown": "decided by speech of an unattributed speaker",
    "near_miss": "the best match is just below the threshold, or a forbidden phrase's sound-alike",
    "not_heard": "a phrase not found where speech that could hold it was not heard clearly",
    "metric_unavailable": "the metric cannot be computed for the call",
    "primed_only": "the phrase is only in primed text, the unprimed decode does not support it",
    "negated_or_quoted": "a forbidden phrase after a negation or a mention cue",
    "roles_uncertain": "a role-dependent verdict on a call whose role signals disagree",
}
_QUOTE_MAX = 240


@dataclass(frozen=True)
class ScoringRules:
    """Switches for rules a benchmark compares against main's behaviour; the defaults are
    what the product runs."""

    #: French phonetic similarity beside the character ratio (``matching.phrase_similarity``).
    phonetic: bool = True
    #: ``not_heard`` review flag on phrase_said criteria not met.
    not_heard: bool = True
    #: Primed text proves a phrase only with the unprimed decode's support (``primed_only``).
    primed_proof: bool = True
    #: Forbidden phrases need their words; near matches and negated uses flagged.
    whole_words: bool = True
    #: A call's ``role_check`` of ``disagree`` flags its role-dependent verdicts.
    role_check: bool = True


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

    @property
    def evidence_decode(self) -> str | None:
        """Which decode the evidence text comes from: ``primed`` or ``unprimed``."""
        if self.evidence is None:
            return None
        return "primed" if self.evidence.primed else "unprimed"


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


def _with_unprimed_views(segments: Sequence[Segment]) -> list[Segment]:
    """The segments, each primed one followed by what the unprimed decode heard there, as a
    segment of its own: what was heard is evidence wherever it is. A prompt can rewrite speech it
    does not hold: "I would never say whatever" came out "My name is. What can I do for you.", and
    a forbidden phrase must still be found in what was heard."""
    out: list[Segment] = []
    for seg in segments:
        out.append(seg)
        heard = tuple(w for w in seg.unprimed_words if w.word.strip())
        if seg.primed and heard:
            probability = sum(w.probability for w in heard) / len(heard)
            out.append(
                dataclasses.replace(
                    seg,
                    start_s=heard[0].start_s,
                    end_s=max(heard[-1].end_s, heard[0].start_s + 0.01),
                    text=seg.unprimed_text,
                    words=seg.unprimed_words,
                    # the chunk's log-probability is the primed decode's: the words' stand in
                    avg_logprob=math.log(max(probability, 1e-6)),
                    confidence=round(probability, 4),
                    primed=False,
                    unprimed_words=(),
                )
            )
    return out


def _support(
    seg: Segment, phrasings: list[tuple[str, str]], language: str | None, rules: ScoringRules
) -> float:
    """How well what the unprimed decode heard where the primed text holds the phrase matches a
    phrasing (100 for unprimed text: it is its own support).

    "Where" is the time of the primed words that matched, ``SUPPORT_PAD_S`` either side: the
    same audio, not the whole segment, whose other words would match a short phrasing by chance.
    """
    if not seg.primed:
        return 100.0
    phrase, _ = best_phrase(phrasings, seg.text, language, rules.phonetic)
    matched = _matched_words(seg, phrase, language, rules) if phrase else []
    heard = seg.unprimed_words
    if matched:
        start, end = matched[0].start_s - SUPPORT_PAD_S, matched[-1].end_s + SUPPORT_PAD_S
        heard = tuple(w for w in heard if start <= (w.start_s + w.end_s) / 2 <= end)
    text = "".join(w.word for w in heard) if heard or matched else seg.unprimed_text
    return best_phrase(phrasings, text, language, rules.phonetic)[1]


def _proven(
    seg: Segment, phrasings: list[tuple[str, str]], language: str | None, rules: ScoringRules
) -> bool:
    """Whether a match in ``seg``'s text proves the phrase: unprimed text does; primed text only
    with the unprimed decode's support (``PRIMED_SUPPORT_MIN``)."""
    return (
        not rules.primed_proof
        or not seg.primed
        or _support(seg, phrasings, language, rules) >= PRIMED_SUPPORT_MIN
    )


def _matches(
    phrasings: list[tuple[str, str]],
    segments: Sequence[Segment],
    language: str | None,
    rules: ScoringRules,
) -> list[tuple[Segment, str | None, float]]:
    """(segment, best phrasing, similarity) of each segment, best first (ties: earliest given)."""
    scored = [
        (seg, *best_phrase(phrasings, seg.text, language, rules.phonetic)) for seg in segments
    ]
    return sorted(scored, key=lambda m: -m[2])


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
        if best_phrase(phrasings, seg.text, language, rules.phonetic)[1] >= threshold and _proven(
            seg, phrasings, language, rules
        ):
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
        for seg, _, sim in _matches(phrasings, pool, language, rules):
            if sim < threshold:
                break
            if _proven(seg, phrasings, language, rules):
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
    if criterion.kind == "phrase_not_said" and rules.whole_words:
        return _forbidden_result(card, criterion, segments, language, duration_s, rules)
    candidates = _candidates(criterion, segments, duration_s)
    phrasings = criterion.phrasings(language)
    seg, phrase, sim = _best_match(phrasings, candidates, language, rules)
    found = seg is not None and sim >= card.match_threshold
    if found and seg is not None and not _proven(seg, phrasings, language, rules):
        # The best match is in primed text the unprimed decode does not support: the evidence is
        # the best match that proves the phrase, if any reaches the threshold.
        proof = next(
            (
                m
                for m in _matches(phrasings, candidates, language, rules)
                if m[2] >= card.match_threshold and _proven(m[0], phrasings, language, rules)
            ),
            None,
        )
        if proof is None:
            return _primed_only(criterion, seg, phrase, sim, phrasings, language, rules)
        seg, phrase, sim = proof
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
        evidence_note=_support_note(evidence, phrasings, language, rules),
        review_reason=reason,
    )


def _support_note(
    evidence: Segment | None,
    phrasings: list[tuple[str, str]],
    language: str | None,
    rules: ScoringRules,
) -> str | None:
    """For primed evidence, how well the unprimed decode matched (numbers only, no text)."""
    if evidence is None or not evidence.primed or not rules.primed_proof:
        return None
    support = _support(evidence, phrasings, language, rules)
    return f"primed decode; unprimed decode matched {support:.0f} (needs {PRIMED_SUPPORT_MIN:g})"


def _primed_only(
    criterion: Criterion,
    seg: Segment,
    phrase: str | None,
    sim: float,
    phrasings: list[tuple[str, str]],
    language: str | None,
    rules: ScoringRules,
    status: str = "not_met",
) -> CriterionResult:
    """A phrase found only in primed text: not proven, for a person to hear."""
    return _result(
        criterion,
        status=status,
        evidence=seg,
        evidence_kind="match",
        match_score=round(sim, 1),
        matched_phrase=phrase,
        evidence_note=_support_note(seg, phrasings, language, rules),
        review_reason="primed_only",
    )


def _forbidden_result(
    card: Scorecard,
    criterion: Criterion,
    segments: Sequence[Segment],
    language: str | None,
    duration_s: float,
    rules: ScoringRules,
) -> CriterionResult:
    """A ``phrase_not_said`` verdict: ``not_met`` only where the phrase's words are
    (``FORBIDDEN_THRESHOLD``); a sound-alike within the near-miss margin of the card's threshold
    (by the ``phrase_said`` matcher, French sounds included) is ``met`` and flagged ``near_miss``.

    A hit in primed text the unprimed decode does not support is ``met``, flagged
    ``primed_only``; a hit after a negation or mention cue is flagged ``negated_or_quoted``; a
    hit whose words Whisper wrote unsure (``FORBIDDEN_WORD_CONFIDENCE``) ``low_confidence``.
    """
    phrasings = criterion.phrasings(language)
    hits: list[tuple[float, bool, Segment, str | None]] = []
    near: tuple[float, Segment | None, str | None] = (0.0, None, None)
    for seg in _candidates(criterion, segments, duration_s):
        phrase, strict = best_words(phrasings, seg.text, language)
        loose_phrase, loose = best_phrase(phrasings, seg.text, language, rules.phonetic)
        if strict >= FORBIDDEN_THRESHOLD:
            hits.append((strict, _in_context(seg.text, phrase, language), seg, phrase))
        elif max(strict, loose) > near[0]:
            near = (max(strict, loose), seg, phrase if strict >= loose else loose_phrase)
    proven = [h for h in hits if _proven(h[2], phrasings, language, rules)]
    if proven:

        def unsure(hit: tuple[float, bool, Segment, str | None]) -> bool:
            _, _, seg, phrase = hit
            confidence = _matched_word_confidence(seg, phrase, language, rules) if phrase else 1.0
            return confidence < FORBIDDEN_WORD_CONFIDENCE

        # A plain use is the evidence before a negated one, a sure one before one Whisper wrote
        # unsure; then the closest, then the earliest.
        best = min(proven, key=lambda h: (h[1], unsure(h), -h[0], h[2].start_s))
        sim, negated, seg, phrase = best
        reason = (
            "negated_or_quoted"
            if negated
            else ("low_confidence" if unsure(best) else _review_reason(card, criterion, seg))
        )
        return _result(
            criterion,
            status="not_met",
            evidence=seg,
            evidence_kind="match",
            match_score=round(sim, 1),
            matched_phrase=phrase,
            evidence_note=_support_note(seg, phrasings, language, rules),
            review_reason=reason,
        )
    if hits:
        sim, _, seg, phrase = max(hits, key=lambda h: h[0])
        return _primed_only(criterion, seg, phrase, sim, phrasings, language, rules, "met")
    sim, seg, phrase = near
    if seg is not None and sim >= card.match_threshold - NEAR_MISS_MARGIN:
        return _result(
            criterion,
            status="met",
            evidence=seg,
            evidence_kind="near_miss",
            match_score=round(sim, 1),
            matched_phrase=phrase,
            review_reason="near_miss",
        )
    return _result(
        criterion,
        status="met",
        evidence=None,
        evidence_kind="none",
        match_score=round(sim, 1) if seg is not None else None,
    )


def _in_context(text: str, phrase: str | None, language: str | None) -> bool:
    """Whether a forbidden phrase found in ``text`` follows a negation or mention cue
    (``CONTEXT_CUES``) within ``CUE_WINDOW`` words."""
    if phrase is None or language not in CONTEXT_CUES:
        return False
    _, words, at = words_match(normalise(phrase, language), normalise(text, language), language)
    return any(w in CONTEXT_CUES[language] for w in words[max(0, at - CUE_WINDOW) : at])


def _role_dependent(card: Scorecard, criterion: Criterion) -> bool:
    """Whether wrong speaker roles can change the verdict."""
    if criterion.kind in ("phrase_said", "phrase_not_said"):
        return criterion.speaker != "any"
    if criterion.kind == "event_order":
        return any(card.criterion(ref).speaker != "any" for ref in criterion.order)
    return criterion.metric in ROLE_METRICS


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
    window = _matched_words(seg, phrase, language, rules)
    return sum(w.probability for w in window) / len(window) if window else 1.0


def _matched_words(
    seg: Segment, phrase: str, language: str | None, rules: ScoringRules
) -> list[Word]:
    """The words of ``seg`` that best match ``phrase``: the best window of the phrase's word
    count ±1 (empty when the segment has no word timings)."""
    words = [w for w in seg.words if w.word.strip()]
    target = normalise(phrase, language)
    n = len(target.split())
    best, matched = -1.0, []
    for size in sorted({max(1, n - 1), n, n + 1}):
        for i in range(max(1, len(words) - size + 1)):
            window = words[i : i + size]
            text = normalise("".join(w.word for w in window), language)
            sim = similarity(target, text, language, rules.phonetic)
            if sim > best:
                best, matched = sim, window
    return matched


def _word_confidence(segment: Segment) -> float:
    """Mean word probability of a segment (its chunk's confidence when it has no words)."""
    return segment.confidence if segment.confidence is not None else segment_confidence(segment)


def _result(criterion: Criterion, **verdict: Any) -> CriterionResult:
    """A verdict on ``criterion``, its identity (id, section, kind, weight…) filled in."""
    if verdict.get("review_reason") not in (None, *REVIEW_REASONS):
        raise ValueError(
            f"review reason {verdict['review_reason']!r} is not in transforms.score.scoring."
            "REVIEW_REASONS; add it there, to the criterion_results contract and to "
            "docs/scorecards.md"
        )
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
    role_check: str | None = None,
) -> CallScore:
    """Score one transcript; ``metrics`` (silver.call_metrics values) feed metric criteria;
    ``role_check`` is the transcript's (``disagree`` flags the role-dependent verdicts)."""
    if rules.primed_proof:
        segments = _with_unprimed_views(segments)
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
    if rules.role_check and role_check == "disagree":
        results = [
            dataclasses.replace(r, review_reason="roles_uncertain")
            if r.review_reason is None
            and r.status != "na"
            and _role_dependent(card, card.criterion(r.criterion_id))
            else r
            for r in results
        ]
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
    return _clip(segment.text)


def unprimed_quote(segment: Segment | None) -> str | None:
    """What the unprimed decode heard where primed evidence was found (None for unprimed
    evidence: its quote is already what was heard unprimed)."""
    if segment is None or not segment.primed:
        return None
    return _clip(segment.unprimed_text)


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _QUOTE_MAX else text[: _QUOTE_MAX - 1] + "…"
