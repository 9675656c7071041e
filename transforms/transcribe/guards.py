"""Hallucination and repetition guards: flag a segment, never drop or trust it silently.

Thresholds are Whisper's own fallback thresholds (compression ratio 2.4, mean log-prob −1.0,
no-speech 0.6): batched decoding does not retry at higher temperature, so what the sequential
decoder would have retried is flagged here instead.
"""

from __future__ import annotations

import itertools
import zlib

COMPRESSION_RATIO_MAX = 2.4
LOGPROB_MIN = -1.0
NO_SPEECH_MIN = 0.6
#: Mean word probability under which a segment is too unsure to score an agent on.
WORD_PROBABILITY_MIN = 0.4
#: The same n-gram (1–4 words) this many times in a row is a decoding loop, not speech
#: ("merci merci merci merci"); people repeat a word twice, rarely three times.
REPEATS_MAX = {1: 4, 2: 3, 3: 3, 4: 3}
#: Call-level quality: share of speech time in flagged segments above which a call is suspect.
SUSPECT_SHARE = 0.25
CONFIDENCE_LOW = 0.5


def compression_ratio(text: str) -> float:
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def max_run(words: list[str], n: int) -> int:
    """Longest run of the same n-gram repeated back to back."""
    best = 1
    for offset in range(n):
        grams = [tuple(words[i : i + n]) for i in range(offset, len(words) - n + 1, n)]
        run = 1
        for prev, cur in itertools.pairwise(grams):
            run = run + 1 if cur == prev else 1
            best = max(best, run)
    return best


def repeated_ngram(text: str) -> bool:
    words = [w.strip(".,!?;:\"'").lower() for w in text.split()]
    words = [w for w in words if w]
    return any(max_run(words, n) >= limit for n, limit in REPEATS_MAX.items())


def segment_flags(
    text: str, avg_logprob: float, no_speech_prob: float, mean_word_probability: float | None
) -> list[str]:
    """Reason codes a segment fails, in a fixed order; empty when it passes."""
    flags = []
    if no_speech_prob > NO_SPEECH_MIN and avg_logprob < LOGPROB_MIN:
        flags.append("no_speech")
    if compression_ratio(text) > COMPRESSION_RATIO_MAX:
        flags.append("compression_ratio")
    if repeated_ngram(text):
        flags.append("repeated_ngram")
    if avg_logprob < LOGPROB_MIN:
        flags.append("low_logprob")
    if mean_word_probability is not None and mean_word_probability < WORD_PROBABILITY_MIN:
        flags.append("low_word_probability")
    return flags


def call_quality(
    spans: list[tuple[float, float, bool]], confidence: float | None
) -> tuple[str, str | None]:
    """(quality, reason) from (start, end, flagged) per segment and the call's mean confidence.

    ``ok`` | ``low_confidence`` | ``suspect`` | ``no_speech``: scoring and KPIs can leave out
    or route to a person any call not ``ok``.
    """
    if not spans:
        return "no_speech", "no speech found"
    total = sum(e - s for s, e, _ in spans) or 1e-9
    flagged = sum(e - s for s, e, f in spans if f)
    if flagged / total > SUSPECT_SHARE:
        return "suspect", f"{flagged / total:.0%} of speech time in flagged segments"
    if confidence is not None and confidence < CONFIDENCE_LOW:
        return "low_confidence", f"mean confidence {confidence:.2f} < {CONFIDENCE_LOW}"
    return "ok", None
