"""The entities we redact, their placeholders, and the spans found in text and audio."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PHONE, EMAIL, IBAN, CARD, NIR = "PHONE", "EMAIL", "IBAN", "CARD", "NIR"
#: A person's name (caller or agent), a postal address (street line, postcode), a customer,
#: account, contract, policy or meter identifier.
NAME, ADDRESS, ID = "NAME", "ADDRESS", "ID"
ENTITIES = (PHONE, EMAIL, IBAN, CARD, NIR, NAME, ADDRESS, ID)
#: The entity families the evaluation reports (issue 22): cards, IBANs and NIRs are identifiers.
FAMILIES = {
    NAME: "names", ADDRESS: "addresses", ID: "identifiers", CARD: "identifiers",
    IBAN: "identifiers", NIR: "identifiers", PHONE: "phones", EMAIL: "e-mails",
}  # fmt: skip
#: Languages with their own rules; any other language code runs both rule sets.
LANGUAGES = ("fr", "en")
#: Presidio's own entity names mapped to ours.
PRESIDIO_TYPES = {"EMAIL_ADDRESS": EMAIL, "IBAN_CODE": IBAN, "CREDIT_CARD": CARD}
#: When spans of different types overlap, the longer wins; on a tie, the stricter checksum.
PRIORITY = {IBAN: 8, NIR: 7, CARD: 6, ID: 5, EMAIL: 4, PHONE: 3, ADDRESS: 2, NAME: 1}


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
