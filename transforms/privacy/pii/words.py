"""Redaction of faster-whisper word lists: placeholder words with their timings, audio spans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from transforms.privacy.pii.engine import find_pii
from transforms.privacy.pii.entities import AudioSpan, PiiSpan, RedactedSegment, placeholder


def _word_field(word: Mapping[str, Any] | Any, name: str) -> Any:
    """``word[name]`` or ``word.name``; faster-whisper's own ``Word`` says ``start``/``end``."""
    for key in (name, name.removesuffix("_s")):
        if isinstance(word, Mapping):
            if key in word:
                return word[key]
        elif hasattr(word, key):
            return getattr(word, key)
    raise KeyError(f"a word has no {name!r} field")


def redact_segments(
    segments: Sequence[Sequence[Mapping[str, Any] | Any]],
    language: str | None,
    *,
    id_patterns: Sequence[str] = (),
    org_names: Sequence[str] = (),
) -> list[RedactedSegment]:
    """Redact consecutive segments of one channel together, so a number read across a segment
    boundary is still found; each segment gets its own placeholder part and audio span.

    Words are dicts (or objects with the same attributes) ``{"word", "start_s", "end_s",
    "probability"}``, each usually with its leading space; faster-whisper's ``Word`` objects
    (``start``/``end``) work as they are. Redacted words always use ``start_s``/``end_s``.
    """
    texts = ["".join(str(_word_field(w, "word")) for w in seg) for seg in segments]
    # Join segments with a space where neither side has one, and remember every word's offsets.
    full = ""
    offsets: list[list[tuple[int, int]]] = []
    seg_start: list[int] = []
    for seg, text in zip(segments, texts, strict=True):
        if full and text and not full[-1].isspace() and not text[0].isspace():
            full += " "
        seg_start.append(len(full))
        pos = len(full)
        word_offsets = []
        for w in seg:
            piece = str(_word_field(w, "word"))
            word_offsets.append((pos, pos + len(piece)))
            pos += len(piece)
        offsets.append(word_offsets)
        full += text
    spans = find_pii(full, language, id_patterns=id_patterns, org_names=org_names)
    return [
        _redact_one(seg, texts[n], offsets[n], seg_start[n], spans)
        for n, seg in enumerate(segments)
    ]


def redact_words(
    words: Sequence[Mapping[str, Any] | Any],
    language: str | None,
    *,
    id_patterns: Sequence[str] = (),
    org_names: Sequence[str] = (),
) -> RedactedSegment:
    """Redact one segment from its word list (see ``redact_segments``)."""
    return redact_segments([words], language, id_patterns=id_patterns, org_names=org_names)[0]


def _redact_one(
    words: Sequence[Mapping[str, Any] | Any],
    text: str,
    offsets: Sequence[tuple[int, int]],
    base: int,
    spans: Sequence[PiiSpan],
) -> RedactedSegment:
    out_words: list[dict[str, Any]] = []
    audio: list[AudioSpan] = []
    local_spans: list[PiiSpan] = []
    i = 0
    while i < len(words):
        start, end = offsets[i]
        span = next((s for s in spans if s.start < end and s.end > start), None)
        if span is None:
            out_words.append(_as_dict(words[i]))
            i += 1
            continue
        j = i
        while j + 1 < len(words) and offsets[j + 1][0] < span.end:
            j += 1
        first, last = words[i], words[j]
        # Keep what the words hold outside the entity (the leading space, a trailing comma).
        prefix = text[start - base : max(start, span.start) - base]
        if span.start <= start:  # the entity began in an earlier word or segment
            word_text = text[start - base : end - base]
            prefix = word_text[: len(word_text) - len(word_text.lstrip())]
        suffix = text[min(offsets[j][1], span.end) - base : offsets[j][1] - base]
        out_words.append(
            {
                "word": prefix + placeholder(span.entity) + suffix,
                "start_s": float(_word_field(first, "start_s")),
                "end_s": float(_word_field(last, "end_s")),
                "probability": min(float(_word_field(w, "probability")) for w in words[i : j + 1]),
            }
        )
        audio.append(
            AudioSpan(
                float(_word_field(first, "start_s")), float(_word_field(last, "end_s")), span.entity
            )
        )
        local_spans.append(
            PiiSpan(max(span.start, start) - base, min(span.end, offsets[j][1]) - base, span.entity)
        )
        i = j + 1
    return RedactedSegment(
        text="".join(w["word"] for w in out_words),
        words=out_words,
        audio_spans=tuple(audio),
        spans=tuple(local_spans),
    )


def _as_dict(word: Mapping[str, Any] | Any) -> dict[str, Any]:
    return {
        "word": str(_word_field(word, "word")),
        "start_s": float(_word_field(word, "start_s")),
        "end_s": float(_word_field(word, "end_s")),
        "probability": float(_word_field(word, "probability")),
    }
