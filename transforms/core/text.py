"""Spoken text made comparable: what phrase matching (score) and finding the agent by their
greeting (transcribe) both compare.

1. PII placeholders left by redaction (``<PHONE>``, ``<EMAIL>``, ``<IBAN>``…) become a word gap,
   so they neither match a phrasing nor glue two words together.
2. Number words become digits (``text2num``), per language: "five days" and "5 days" match.
3. Lower case, accents folded (``unidecode``), apostrophes and punctuation to spaces.
"""

from __future__ import annotations

import re
from contextlib import suppress
from functools import lru_cache

from text_to_num import alpha2digit
from unidecode import unidecode

#: Languages text2num converts; others keep their number words as written.
NUMBER_LANGUAGES = frozenset({"en", "fr", "es", "de", "it", "pt", "nl"})
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)
def normalise(text: str, language: str | None = None) -> str:
    """Placeholders out, number words to digits, lower case, accents folded, punctuation out.

    'Cet appel est enregistré.' → 'cet appel est enregistre';
    'cinq jours, <PHONE>' (fr) → '5 jours'
    """
    text = _PLACEHOLDER.sub(" ", text)
    if language in NUMBER_LANGUAGES:
        with suppress(ValueError, KeyError):  # a malformed number phrase keeps its words
            text = alpha2digit(text, language)
    folded = unidecode(text).lower().replace("'", " ")
    return _NON_WORD.sub(" ", folded).strip()
