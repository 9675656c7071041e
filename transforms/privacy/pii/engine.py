"""Presidio, offline: our spoken-PII recognizer beside its e-mail, IBAN and card recognizers.

``NoOpNlpEngine`` (no spaCy model) and tldextract's bundled suffix snapshot: nothing is downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NoOpNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
)

from transforms.privacy.pii.entities import (
    ENTITIES,
    LANGUAGES,
    PRESIDIO_TYPES,
    PRIORITY,
    PiiSpan,
    Redacted,
    placeholder,
)
from transforms.privacy.pii.scanners import is_domain, scan_ibans, scan_numbers, scan_spoken_emails
from transforms.privacy.pii.tokens import spoken_units, tokenize


class _SpokenPiiRecognizer(EntityRecognizer):
    """Phones, cards, NIRs, IBANs and e-mails written or spoken, validated by checksum libraries."""

    def __init__(self, language: str) -> None:
        super().__init__(
            supported_entities=list(ENTITIES),
            supported_language=language,
            name=f"spoken_pii_{language}",
        )

    def load(self) -> None:  # nothing to load: no model
        return None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list:
        language = self.supported_language
        tokens = tokenize(text)
        units = spoken_units(tokens, language)
        found = (
            scan_numbers(units, language) + scan_ibans(tokens, units) + scan_spoken_emails(tokens)
        )
        return [
            RecognizerResult(f.entity, tokens[f.lo].start, tokens[f.hi - 1].end, 1.0)
            for f in found
            if f.entity in entities
        ]


class _OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's written e-mail pattern, its domain checked against the bundled suffix snapshot."""

    def validate_result(self, pattern_text: str) -> bool:
        return is_domain(pattern_text.rsplit("@", 1)[-1])


@cache
def analyzer() -> AnalyzerEngine:
    """One Presidio engine for the process (building it costs ~0.1 s; analysing is stateless)."""
    recognizers: list[EntityRecognizer] = []
    for lang in LANGUAGES:
        recognizers += [
            _SpokenPiiRecognizer(lang),
            _OfflineEmailRecognizer(supported_language=lang),
            IbanRecognizer(
                supported_language=lang,
                regex_flags=re.DOTALL | re.MULTILINE | re.IGNORECASE,
            ),
            CreditCardRecognizer(supported_language=lang),
        ]
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=list(LANGUAGES))
    engine = NoOpNlpEngine(models=[{"lang_code": lang, "model_name": "none"} for lang in LANGUAGES])
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=list(LANGUAGES))


def _languages(language: str | None) -> tuple[str, ...]:
    code = (language or "").split("-")[0].split("_")[0].lower()
    return (code,) if code in LANGUAGES else LANGUAGES


def find_pii(text: str, language: str | None) -> list[PiiSpan]:
    """Entity spans in ``text``, merged so that none overlap, in text order.

    ``language`` is Whisper's code ("fr", "en"); anything else runs both rule sets.
    """
    if not text.strip():
        return []
    results: list[RecognizerResult] = []
    for lang in _languages(language):
        results += analyzer().analyze(text=text, language=lang, entities=None)
    spans = [
        PiiSpan(r.start, r.end, PRESIDIO_TYPES.get(r.entity_type, r.entity_type))
        for r in results
        if PRESIDIO_TYPES.get(r.entity_type, r.entity_type) in ENTITIES
    ]
    return _merge(spans)


def _merge(spans: Iterable[PiiSpan]) -> list[PiiSpan]:
    """Union overlapping spans; the merged span takes the type of its longest member."""
    merged: list[tuple[int, int, PiiSpan]] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1][1]:
            lo, hi, best = merged[-1]
            key = (span.end - span.start, PRIORITY[span.entity])
            if key > (best.end - best.start, PRIORITY[best.entity]):
                best = span
            merged[-1] = (lo, max(hi, span.end), best)
        else:
            merged.append((span.start, span.end, span))
    return [PiiSpan(lo, hi, best.entity) for lo, hi, best in merged]


def redact_text(text: str, language: str | None) -> Redacted:
    """Replace every entity with its typed placeholder; spans refer to the original ``text``."""
    spans = find_pii(text, language)
    return Redacted(_apply(text, spans), tuple(spans))


def _apply(text: str, spans: Sequence[PiiSpan]) -> str:
    out = []
    pos = 0
    for span in spans:
        out.append(text[pos : span.start])
        out.append(placeholder(span.entity))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
