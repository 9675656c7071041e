"""PII redaction of call transcripts, offline: Presidio with our recognizers, NER and name lists.

Transcripts come out of ASR lower case, with stray punctuation, and with numbers either as digits
or as words ("zéro six douze trente-quatre…", "oh seven seven double oh…"). Recognition therefore
works on tokens rather than on regexes over raw text: number words become digit groups (text2num),
adjacent groups are joined into candidate digit strings, and a candidate is an entity only when a
library validates it (phonenumbers, python-stdnum's Luhn, IBAN and NIR checks; tldextract's public
suffix list for e-mail domains). Validation is what keeps prices, dates, durations and order numbers
out: they rarely have the length, prefix and checksum of a real identifier.

Names and addresses come from rules (``people.py``), spaCy's NER through Presidio's spaCy engine
(``ner.py``: installed pipelines, loaded lazily) and first-name lists (``first_names.py``: installed
packages, read lazily); tldextract reads only its bundled public-suffix snapshot, so nothing is
downloaded at run time.

Public API (stable; the transcription step wires it in), re-exported here:

- ``redact_text(text, language) -> Redacted``: placeholders in ``.text``; ``.spans`` are offsets in
  the original text.
- ``redact_words(words, language) -> RedactedSegment`` and ``redact_segments(segments, language)``:
  a faster-whisper word list (``{"word", "start_s", "end_s", "probability"}``) in; the redacted
  text, the redacted word list (the words of an entity merged into one placeholder word, timings
  kept) and the audio spans to tone out come back.

Entity spans are entity-level, e.g. one ``<PHONE>`` for a whole number spoken over ten words.

The recognizers (Presidio, spaCy, the rules' lists) are imported on first use of a function
above, not with this package: the processes that import it without redacting (``ccr subject
erase``, the retention job, the ingest's name masking) do not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from transforms.privacy.pii.entities import (
    ADDRESS,
    CARD,
    EMAIL,
    ENTITIES,
    FAMILIES,
    IBAN,
    ID,
    LANGUAGES,
    NAME,
    NIR,
    PHONE,
    AudioSpan,
    PiiSpan,
    Redacted,
    RedactedSegment,
    placeholder,
)

if TYPE_CHECKING:
    from transforms.privacy.pii.engine import analyzer, find_pii, redact_text
    from transforms.privacy.pii.words import redact_segments, redact_words

#: The public functions and the module each is imported from on first use.
_LAZY = {
    "analyzer": "engine",
    "find_pii": "engine",
    "redact_text": "engine",
    "redact_segments": "words",
    "redact_words": "words",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ADDRESS",
    "CARD",
    "EMAIL",
    "ENTITIES",
    "FAMILIES",
    "IBAN",
    "ID",
    "LANGUAGES",
    "NAME",
    "NIR",
    "PHONE",
    "AudioSpan",
    "PiiSpan",
    "Redacted",
    "RedactedSegment",
    "analyzer",
    "find_pii",
    "placeholder",
    "redact_segments",
    "redact_text",
    "redact_words",
]
