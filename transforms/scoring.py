"""Scorecards (versioned YAML) and the scoring of one transcript against one scorecard.

Every verdict carries its evidence: the quote, when it was said, by whom, how sure the ASR was. A
person reviewing an AI verdict must be able to check it in seconds (EU AI Act: scoring workers is
high-risk; verdicts must be explainable and overridable).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz
from unidecode import unidecode

from transforms.transcription import Segment

CRITERION_KINDS = ("phrase_said", "phrase_not_said")
SPEAKERS = ("agent", "customer", "any")
_QUOTE_MAX = 240


class ScorecardError(ValueError):
    """A scorecard file that cannot be used; the message names the file and the field."""


def normalise(text: str) -> str:
    """Lower case, accents folded, punctuation to spaces.

    'Cet appel est enregistré.' → 'cet appel est enregistre'
    """
    folded = unidecode(text).lower().replace("'", " ")
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    kind: str
    speaker: str
    weight: float
    phrases: dict[str, tuple[str, ...]]
    first_s: float | None = None
    last_s: float | None = None

    def phrasings(self, language: str | None) -> tuple[str, ...]:
        if language and language in self.phrases:
            return self.phrases[language]
        return tuple(p for ps in self.phrases.values() for p in ps)


@dataclass(frozen=True)
class Scorecard:
    id: str
    version: str
    name: str
    pass_threshold: float
    match_threshold: float
    criteria: tuple[Criterion, ...]


def _field(entry: dict[str, Any], name: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if name not in entry:
        raise ScorecardError(f"{where}: missing field {name!r}")
    value = entry[name]
    if not isinstance(value, kind):
        raise ScorecardError(f"{where}: field {name!r} has the wrong type ({type(value).__name__})")
    return value


def load_scorecard(path: str | Path) -> Scorecard:
    """Parse and validate one scorecard file."""
    where = str(path)
    raw = yaml.safe_load(Path(path).read_text())
    if not isinstance(raw, dict):
        raise ScorecardError(f"{where}: not a YAML mapping")
    criteria = []
    seen: set[str] = set()
    for i, entry in enumerate(_field(raw, "criteria", where, list)):
        at = f"{where}: criteria[{i}]"
        cid = _field(entry, "id", at, str)
        if cid in seen:
            raise ScorecardError(f"{at}: duplicate criterion id {cid!r}")
        seen.add(cid)
        kind = _field(entry, "kind", at, str)
        if kind not in CRITERION_KINDS:
            raise ScorecardError(f"{at}: field 'kind' must be one of {CRITERION_KINDS}")
        speaker = entry.get("speaker", "agent")
        if speaker not in SPEAKERS:
            raise ScorecardError(f"{at}: field 'speaker' must be one of {SPEAKERS}")
        weight = _field(entry, "weight", at, (int, float))
        if weight <= 0:
            raise ScorecardError(f"{at}: field 'weight' must be positive")
        phrases = _field(entry, "phrases", at, dict)
        if not phrases or not all(isinstance(v, list) and v for v in phrases.values()):
            raise ScorecardError(f"{at}: field 'phrases' needs a non-empty list per language")
        window = entry.get("window") or {}
        criteria.append(
            Criterion(
                id=cid,
                name=_field(entry, "name", at, str),
                kind=kind,
                speaker=speaker,
                weight=float(weight),
                phrases={lang: tuple(str(p) for p in ps) for lang, ps in phrases.items()},
                first_s=window.get("first_s"),
                last_s=window.get("last_s"),
            )
        )
    if not criteria:
        raise ScorecardError(f"{where}: field 'criteria' is empty")
    return Scorecard(
        id=_field(raw, "id", where, str),
        version=str(_field(raw, "version", where, (str, int))),
        name=_field(raw, "name", where, str),
        pass_threshold=float(_field(raw, "pass_threshold", where, (int, float))),
        match_threshold=float(raw.get("match_threshold", 85)),
        criteria=tuple(criteria),
    )


def load_scorecards(folder: str | Path) -> dict[tuple[str, str], Scorecard]:
    cards = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        card = load_scorecard(path)
        cards[(card.id, card.version)] = card
    return cards


def latest(cards: dict[tuple[str, str], Scorecard], scorecard_id: str) -> Scorecard:
    versions = [c for (cid, _), c in cards.items() if cid == scorecard_id]
    if not versions:
        raise ScorecardError(f"no scorecard with id {scorecard_id!r}")
    return max(versions, key=lambda c: _version_key(c.version))


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def phrase_similarity(phrase: str, text: str) -> float:
    """Best fuzzy ratio of ``phrase`` against word windows of ``text`` (both normalised).

    Windows of the phrase's word count ±1 keep the match on word boundaries: 'hello' does not
    match inside 'othello', and an ASR-dropped or -inserted word still matches.
    """
    p_words, t_words = phrase.split(), text.split()
    if not p_words or not t_words:
        return 0.0
    best = 0.0
    for n in {max(1, len(p_words) - 1), len(p_words), len(p_words) + 1}:
        for i in range(max(1, len(t_words) - n + 1)):
            best = max(best, fuzz.ratio(phrase, " ".join(t_words[i : i + n])))
            if best == 100.0:
                return best
    return best


@dataclass(frozen=True)
class CriterionResult:
    criterion_id: str
    criterion_name: str
    met: bool
    points_earned: float
    points_possible: float
    evidence: Segment | None
    match_score: float | None

    @property
    def verdict(self) -> str:
        return "met" if self.met else "not_met"

    def confidence(self) -> float | None:
        """ASR confidence of the evidence segment: exp(mean token log-probability)."""
        return round(math.exp(self.evidence.avg_logprob), 4) if self.evidence else None


@dataclass(frozen=True)
class CallScore:
    score: float
    points_earned: float
    points_possible: float
    passed: bool
    results: tuple[CriterionResult, ...]

    @property
    def criteria_met(self) -> int:
        return sum(r.met for r in self.results)


def _candidates(
    criterion: Criterion, segments: Sequence[Segment], duration_s: float
) -> list[Segment]:
    out = []
    for seg in segments:
        if criterion.speaker != "any" and seg.speaker != criterion.speaker:
            continue
        if criterion.first_s is not None and seg.start_s > criterion.first_s:
            continue
        if criterion.last_s is not None and seg.end_s < duration_s - criterion.last_s:
            continue
        out.append(seg)
    return out


def _best_match(
    criterion: Criterion, segments: Sequence[Segment], language: str | None
) -> tuple[Segment | None, float]:
    phrases = [normalise(p) for p in criterion.phrasings(language)]
    best_seg, best = None, 0.0
    for seg in segments:
        text = normalise(seg.text)
        for phrase in phrases:
            sim = phrase_similarity(phrase, text)
            if sim > best:
                best_seg, best = seg, sim
    return best_seg, best


def score_call(
    card: Scorecard, segments: Sequence[Segment], *, language: str | None, duration_s: float
) -> CallScore:
    results = []
    for criterion in card.criteria:
        seg, sim = _best_match(criterion, _candidates(criterion, segments, duration_s), language)
        found = sim >= card.match_threshold
        met = found if criterion.kind == "phrase_said" else not found
        results.append(
            CriterionResult(
                criterion_id=criterion.id,
                criterion_name=criterion.name,
                met=met,
                points_earned=criterion.weight if met else 0.0,
                points_possible=criterion.weight,
                # Evidence is the utterance that decided: the phrase said, or the forbidden word.
                evidence=seg if found else None,
                match_score=round(sim, 1) if seg is not None else None,
            )
        )
    earned = sum(r.points_earned for r in results)
    possible = sum(r.points_possible for r in results)
    score = round(100.0 * earned / possible, 2) if possible else 0.0
    return CallScore(score, earned, possible, score >= card.pass_threshold, tuple(results))


def quote(segment: Segment | None) -> str | None:
    if segment is None:
        return None
    text = segment.text.strip()
    return text if len(text) <= _QUOTE_MAX else text[: _QUOTE_MAX - 1] + "…"
