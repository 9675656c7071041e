"""The entities we redact, their placeholders, and the spans found in text and audio."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PHONE, EMAIL, IBAN, CARD, NIR = "PHONE", "EMAIL", "IBAN", "CARD", "NIR"
ENTITIES = (PHONE, EMAIL, IBAN, CARD, NIR)
#: Languages with their own rules; any other language code runs both rule sets.
LANGUAGES = ("fr", "en")
#: Presidio's own entity names mapped to ours.
PRESIDIO_TYPES = {"EMAIL_ADDRESS": EMAIL, "IBAN_CODE": IBAN, "CREDIT_CARD": CARD}
#: When spans of different types overlap, the longer wins; on a tie, the stricter checksum.
PRIORITY = {IBAN: 5, NIR: 4, CARD: 3, EMAIL: 2, PHONE: 1}


def placeholder(entity: str) -> str:
    """The typed placeholder stored in place of an entity, e.g. ``<PHONE>``."""
    return f"<{entity}>"


@dataclass(frozen=True)
class PiiSpan:
    """An entity found in a text: ``text[start:end]`` in the *original* text."""

    start: int
    end: int
    entity: str


@dataclass(frozen=True)
class Redacted:
    text: str
    spans: tuple[PiiSpan, ...]


@dataclass(frozen=True)
class AudioSpan:
    """A stretch of audio (seconds from the start of the channel) that carries an entity."""

    start_s: float
    end_s: float
    entity: str


@dataclass(frozen=True)
class RedactedSegment:
    text: str
    words: list[dict[str, Any]]
    audio_spans: tuple[AudioSpan, ...]
    #: Entity spans in the original segment text (the words joined as faster-whisper joins them).
    spans: tuple[PiiSpan, ...]
