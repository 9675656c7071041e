"""Redact a call's transcript before it is stored, and say which audio to tone out.

The transcript never reaches the lakehouse in clear: segment text and word lists carry typed
placeholders (``<PHONE>``…) from ``transforms.privacy.pii``; the audio spans of those words drive
the redacted playback copy (``transforms.privacy.audio_redaction``). Pure Python, run in the
parent process after the transcription workers, so Presidio is imported once per run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from transforms.core.tenants import Tenant
from transforms.core.transcript import CallTranscript, Word
from transforms.privacy import pii


@dataclass(frozen=True)
class RedactedCall:
    transcript: CallTranscript
    #: Channel index → the stretches of that channel's audio holding an entity.
    audio_spans: dict[int, list[pii.AudioSpan]] = field(default_factory=dict)
    #: Entity type → placeholders written (a number read across two segments leaves one in
    #: each). Counts only: safe for run metadata.
    entities: Counter[str] = field(default_factory=Counter)


def redact_transcript(transcript: CallTranscript, tenant: Tenant | None = None) -> RedactedCall:
    """The transcript with every entity replaced by its placeholder.

    The call's segments are redacted together, every channel in time order: a number read across
    two segments, or across the two speakers' turns ("06 39 98 | d'accord | 12 34"), is still
    found, and the agent's question ("your account number?") is the context of the caller's
    answer. Each segment gets its own placeholder part; its audio spans go to its channel. The
    tenant's identifier patterns (``Tenant.pii_id_patterns``) and its name (not a person, though a
    tagger may say so) come from the registry. The transcriber gives every segment its words (its
    text is their join), so redacting the words redacts the text.

    A primed segment also carries what the unprimed decode heard over the same audio
    (``Segment.unprimed_words``): personal data like the text, redacted the same way in a second
    pass over those words, and what it finds is toned out of the playback copy too.
    """
    segments = list(transcript.segments)
    order = sorted(range(len(segments)), key=lambda i: (segments[i].start_s, segments[i].channel))
    spans: dict[int, list[pii.AudioSpan]] = {}
    counts: Counter[str] = Counter()
    for field_name in ("words", "unprimed_words"):
        todo = [i for i in order if field_name == "words" or segments[i].unprimed_words]
        if not todo:
            continue
        results = pii.redact_segments(
            [[w.__dict__ for w in getattr(segments[i], field_name)] for i in todo],
            transcript.language,
            id_patterns=_patterns(tenant),
            org_names=(tenant.display_name,) if tenant else (),
        )
        for i, red in zip(todo, results, strict=True):
            if not red.spans:
                continue
            words = tuple(Word(**w) for w in red.words)
            if field_name == "words":
                segments[i] = replace(segments[i], text=red.text.strip(), words=words)
            else:
                segments[i] = replace(segments[i], unprimed_words=words)
            spans.setdefault(segments[i].channel, []).extend(red.audio_spans)
            counts.update(s.entity for s in red.spans)
    return RedactedCall(replace(transcript, segments=segments), spans, counts)


def _patterns(tenant: Tenant | None) -> Sequence[str]:
    return tenant.pii_id_patterns if tenant is not None else ()


def playback_uri(audio_uri: str) -> str:
    """Where the redacted playback copy of a stored call lives: beside it, as FLAC."""
    stem = audio_uri.rsplit(".", 1)[0] if "." in audio_uri.rsplit("/", 1)[-1] else audio_uri
    return f"{stem}.playback.flac"
