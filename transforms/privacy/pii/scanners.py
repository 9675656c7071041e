"""PII redaction of call transcripts, offline: Presidio with pattern and checksum recognizers only.

Transcripts come out of ASR lower case, with stray punctuation, and with numbers either as digits
or as words ("zéro six douze trente-quatre…", "oh seven seven double oh…"). Recognition therefore
works on tokens rather than on regexes over raw text: number words become digit groups (text2num),
adjacent groups are joined into candidate digit strings, and a candidate is an entity only when a
library validates it (phonenumbers, python-stdnum's Luhn, IBAN and NIR checks; tldextract's public
suffix list for e-mail domains). Validation is what keeps prices, dates, durations and order numbers
out: they rarely have the length, prefix and checksum of a real identifier.

Presidio runs with its ``NoOpNlpEngine`` (no spaCy model is loaded) and tldextract reads only its
bundled public-suffix snapshot, so nothing is downloaded at run time.

Public API (stable; the transcription step wires it in):

- ``redact_text(text, language) -> Redacted``: placeholders in ``.text``; ``.spans`` are offsets in
  the original text.
- ``redact_words(words, language) -> RedactedSegment`` and ``redact_segments(segments, language)``:
  a faster-whisper word list (``{"word", "start_s", "end_s", "probability"}``) in; the redacted
  text, the redacted word list (the words of an entity merged into one placeholder word, timings
  kept) and the audio spans to tone out come back.

Entity spans are entity-level, e.g. one ``<PHONE>`` for a whole number spoken over ten words.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import phonenumbers
import tldextract
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
from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.fr import nir as std_nir
from text_to_num import text2num

PHONE, EMAIL, IBAN, CARD, NIR = "PHONE", "EMAIL", "IBAN", "CARD", "NIR"
ENTITIES = (PHONE, EMAIL, IBAN, CARD, NIR)
#: Languages with their own rules; any other language code runs both rule sets.
LANGUAGES = ("fr", "en")
#: Presidio's own entity names mapped to ours.
_PRESIDIO_TYPES = {"EMAIL_ADDRESS": EMAIL, "IBAN_CODE": IBAN, "CREDIT_CARD": CARD}
#: When spans of different types overlap, the longer wins; on a tie, the stricter checksum.
_PRIORITY = {IBAN: 5, NIR: 4, CARD: 3, EMAIL: 2, PHONE: 1}


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


# --------------------------------------------------------------------------- tokens

#: Punctuation ASR scatters around tokens; stripped so that "34," and "(202)" read as numbers.
_EDGE_PUNCT = ".,;:!?…()[]{}\"«»“”'’/"
#: Digits, maybe grouped by "-" or "." (slashes make dates, not numbers to join).
_DIGITS_RE = re.compile(r"\+?\d+(?:[-.]\d+)*")
_ALNUM_RE = re.compile(r"[a-z0-9]{1,8}")
#: A reference code mixing letters and digits ("aa1", "1z", "ab12").
_CODE_RE = re.compile(r"(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]+")

_ZERO = {"fr": {"zéro", "zero"}, "en": {"zero", "oh", "o", "nought"}}
_REPEAT = {"double": 2, "triple": 3}
#: Hesitations and the NIR "key" word may sit between the digit groups of one number.
_FILLERS = {
    "euh", "heu", "hum", "hm", "uh", "um", "er", "erm", "ah", "bah", "ben", "clé", "cle", "key",
}  # fmt: skip
#: Self-corrections inside a number ("… nine oh oh, sorry, nine oh oh eight two one"): the digits on
#: both sides belong to the same number, so the whole stretch is redacted.
_CORRECTIONS = {"sorry", "pardon", "non", "no", "désolé", "désolée", "oops"}
#: Glue words inside one spoken number ("vingt et un", "three hundred and twelve").
_NUMBER_GLUE = {"et", "and"}
_PLUS = {"plus"}
_AT = {"arobase", "arrobase", "arobas", "arrobas", "at", "@"}
_DOT = {"point", "dot", "."}
#: Joiners inside an e-mail address ("tiret du bas" = underscore).
_JOIN = _DOT | {"tiret", "dash", "hyphen", "underscore", "bas", "du", "-", "_"}
#: Words that end an e-mail's local part when reading backwards from "at".
_LOCAL_STOP = {
    "c'est", "cest", "est", "is", "it's", "its", "mon", "ma", "my", "mail", "email", "e-mail",
    "mél", "adresse", "address", "the", "le", "la", "l'adresse", "à", "sur", "to", "at", "me",
    "alors", "oui", "yes", "yeah", "so", "voilà", "sure", "on", "it", "ça", "vous", "pro", "work",
    "perso", "personal", "professionnel", "and", "et", "or", "ou", "de", "du", "des", "of",
    "uh", "euh", "um", "account", "compte", "c", "non", "no", "sorry", "pardon", "désolé",
}  # fmt: skip
_WORD_KINDS = {
    **dict.fromkeys(_FILLERS, "filler"),
    **dict.fromkeys(_CORRECTIONS, "correction"),
    **dict.fromkeys(_PLUS, "plus"),
}
#: At most this many plain words (no joiner between them) make up a spoken local part.
_MAX_LOCAL_WORDS = 3
#: A spoken number is at most this many words ("quatre mille neuf cent soixante-dix-neuf").
_MAX_NUMBER_WORDS = 7


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str  # lower case, edge punctuation stripped
    pause: bool = False  # punctuation followed it: a spoken number does not run across it


@dataclass(frozen=True)
class _Unit:
    """A token or a spoken number made of several tokens ``[lo, hi)``."""

    kind: str  # "num", "word", "filler", "correction", "plus"
    value: str  # digits for "num", the lower-case token otherwise
    lo: int
    hi: int
    plus: bool = False  # a written "+33…"


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in re.finditer(r"\S+", text):
        raw = m.group(0)
        left = len(raw) - len(raw.lstrip(_EDGE_PUNCT))
        stripped = raw.strip(_EDGE_PUNCT)
        if not stripped:
            continue
        start = m.start() + left
        pause = raw.rstrip(_EDGE_PUNCT) != raw
        out.append(_Token(start, start + len(stripped), stripped.lower(), pause))
    return out


@lru_cache(maxsize=4096)
def _number(words: str, language: str) -> int | None:
    """text2num of a phrase, or None when the phrase is not one number."""
    try:
        return text2num(words, language)
    except (ValueError, IndexError, KeyError):
        return None


def _is_number_word(word: str) -> bool:
    return any(_number(word, lang) is not None for lang in LANGUAGES)


def _units(tokens: Sequence[_Token], language: str) -> list[_Unit]:
    zero = _ZERO[language]
    units: list[_Unit] = []
    i = 0
    n = len(tokens)
    while i < n:
        word = tokens[i].text
        if _DIGITS_RE.fullmatch(word):
            digits = re.sub(r"\D", "", word)
            units.append(_Unit("num", digits, i, i + 1, plus=word.startswith("+")))
            i += 1
            continue
        if word in zero:
            units.append(_Unit("num", "0", i, i + 1))
            i += 1
            continue
        if word in _REPEAT and i + 1 < n:
            nxt = tokens[i + 1].text
            digit = "0" if nxt in zero else _number(nxt, language)
            if digit is not None and len(str(digit)) == 1:
                units.append(_Unit("num", str(digit) * _REPEAT[word], i, i + 2))
                i += 2
                continue
        if _number(word, language) is not None:
            # Longest run of words that text2num reads as ONE number; zeros always stand alone
            # ("zéro zéro" is two digits, not 0).
            best = i + 1
            for j in range(min(n, i + _MAX_NUMBER_WORDS), i + 1, -1):
                words = [t.text for t in tokens[i:j]]
                if any(w in zero for w in words) or words[-1] in _NUMBER_GLUE:
                    continue
                if any(t.pause for t in tokens[i : j - 1]):
                    continue
                if _number(" ".join(words), language) is not None:
                    best = j
                    break
            value = _number(" ".join(t.text for t in tokens[i:best]), language)
            units.append(_Unit("num", str(value), i, best))
            i = best
            continue
        units.append(_Unit(_WORD_KINDS.get(word, "word"), word, i, i + 1))
        i += 1
    return units


# --------------------------------------------------------------------------- validators

#: Words just before a digit string that name it as something else than a phone number.
_NOT_PHONE_CONTEXT = {
    "order", "case", "ticket", "reference", "ref", "tracking", "invoice", "contract", "serial",
    "complaint", "parcel", "commande", "dossier", "référence", "suivi", "contrat", "facture",
    "réclamation", "colis", "série", "siret", "siren", "abonné", "client", "customer", "account",
}  # fmt: skip
#: How many words before a digit string are looked at for that context.
_CONTEXT_WINDOW = 4
#: Words announcing a phone number. ASR often garbles a number read aloud ("39, 48, 4, 5, 2"):
#: no checksum or length check can pass, yet the digits are still personal data.
_PHONE_CONTEXT = {
    "numéro", "portable", "téléphone", "tel", "tél", "fixe", "mobile", "joindre", "joignable",
    "rappeler", "rappelez", "number", "phone", "cell", "landline", "reach", "call", "sms", "text",
}  # fmt: skip
#: How far back such a word may be, and the fewest digits a garbled number keeps.
_PHONE_CONTEXT_WINDOW = 10
_MIN_GARBLED_DIGITS = 7

#: Regions tried for national numbers (written with the trunk 0, or 10-digit NANP for the US).
_REGIONS = {"fr": ("FR", "GB"), "en": ("GB", "US", "FR")}


def _is_phone(digits: str, international: bool, language: str) -> bool:
    """A phone number by phonenumbers' metadata, or a well-formed number in a fiction range.

    libphonenumber marks the ranges reserved for drama (01 99 00, 06 39 98, 07700 900) invalid;
    a national number written with its trunk 0 and the exact possible length is accepted too, since
    real callers' numbers are what we must not miss.
    """
    if not 9 <= len(digits) <= 15:
        return False
    try:
        if international or digits.startswith("00"):
            parsed = phonenumbers.parse("+" + digits.removeprefix("00"))
            return phonenumbers.is_valid_number(parsed) or phonenumbers.is_possible_number(parsed)
        for region in _REGIONS[language]:
            parsed = phonenumbers.parse(digits, region)
            if region == "US":
                if len(digits) == 10 and phonenumbers.is_valid_number(parsed):
                    return True
                continue
            if digits[0] != "0" or digits[1] == "0":
                continue
            if phonenumbers.is_valid_number(parsed):
                return True
            reason = phonenumbers.is_possible_number_with_reason(parsed)
            if reason == phonenumbers.ValidationResult.IS_POSSIBLE:
                return True
    except phonenumbers.NumberParseException:
        return False
    return False


def _is_card(digits: str) -> bool:
    # Payment cards: 13-19 digits, issuer prefix 2-6 (Mastercard 2-series, Amex 3, Visa 4, …).
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn.is_valid(digits)


def _is_nir(digits: str) -> bool:
    return len(digits) == 15 and std_nir.is_valid(digits)


# --------------------------------------------------------------------------- scanners


@dataclass(frozen=True)
class _Found:
    lo: int  # token index range [lo, hi)
    hi: int
    entity: str


def _digit_runs(units: Sequence[_Unit]) -> list[list[list[int]]]:
    """Indexes of "num" units that read as one spoken digit string (fillers may sit between),
    cut into parts where the speaker corrected themselves ("…, sorry, …")."""
    runs: list[list[list[int]]] = []
    current: list[list[int]] = []
    restart = False
    for k, unit in enumerate(units):
        if unit.kind == "num":
            if restart or not current:
                current.append([])
            current[-1].append(k)
            restart = False
        elif unit.kind in ("filler", "correction") and current:
            restart = restart or unit.kind == "correction"
        else:
            if current:
                runs.append(current)
            current, restart = [], False
    if current:
        runs.append(current)
    return runs


def _classify(digits: str, plus: bool, phone_context: bool, language: str) -> str | None:
    if _is_nir(digits):
        return NIR
    if _is_card(digits):
        return CARD
    if phone_context and _is_phone(digits, plus, language):
        return PHONE
    return None


def _scan_numbers(units: Sequence[_Unit], language: str) -> list[_Found]:
    """Phone, card and NIR numbers: every whole-group window of a digit run, validated."""
    chosen: list[_Found] = []
    for parts in _digit_runs(units):
        found: list[tuple[int, int, _Found]] = []
        phone_context = _phone_context(units, parts[0][0])
        for run in parts:
            for a in range(len(run)):
                digits = ""
                first = units[run[a]]
                spoken_plus = run[a] > 0 and units[run[a] - 1].kind == "plus"
                lo = units[run[a] - 1].lo if spoken_plus else first.lo
                for b in range(a, len(run)):
                    digits += units[run[b]].value
                    if len(digits) > 19:
                        break
                    entity = _classify(digits, first.plus or spoken_plus, phone_context, language)
                    if entity:
                        hi = units[run[b]].hi
                        start = lo if entity == PHONE else first.lo
                        found.append((len(digits), _PRIORITY[entity], _Found(start, hi, entity)))
        in_run = _non_overlapping(found)
        digits_in_run = sum(len(units[k].value) for run in parts for k in run)
        if (
            not in_run
            and phone_context
            and digits_in_run >= _MIN_GARBLED_DIGITS
            and _announced_phone(units, parts[0][0])
            and not _looks_like_date([units[k].value for run in parts for k in run])
        ):
            # A number read out after "mon portable c'est…" that ASR garbled: redact it anyway.
            in_run = [_Found(units[parts[0][0]].lo, units[parts[-1][-1]].hi, PHONE)]
        if len(parts) > 1:
            # A corrected number: the restart replaces the end of what came before
            # ("oh seven seven oh oh nine oh oh, sorry, nine oh oh eight two one").
            entity = (
                in_run[0].entity if in_run else _repaired(units, parts, phone_context, language)
            )
            if entity:
                lo = min([units[parts[0][0]].lo, *(f.lo for f in in_run)])
                in_run = [_Found(lo, units[parts[-1][-1]].hi, entity)]
        chosen += in_run
    return chosen


def _repaired(
    units: Sequence[_Unit], parts: Sequence[list[int]], phone_context: bool, language: str
) -> str | None:
    for before, after in itertools.pairwise(parts):
        head = [units[k].value for k in before]
        tail = [units[k].value for k in after]
        plus = units[before[0]].plus
        for keep in range(len(head)):
            for end in range(1, len(tail) + 1):
                digits = "".join(head[:keep] + tail[:end])
                if len(digits) > 19:
                    break
                entity = _classify(digits, plus, phone_context, language)
                if entity:
                    return entity
    return None


def _phone_context(units: Sequence[_Unit], start: int) -> bool:
    """False when the words before a digit string say it is an order, case, tracking … number.

    The look-back stops at another number (which owns the words before it), and a digit string
    glued to an alphanumeric code ("aa1 01 2345 6784", "6 a 12 345") is part of that code.
    """
    if start > 0 and _CODE_RE.fullmatch(units[start - 1].value):
        return False
    if start > 1 and len(units[start - 1].value) == 1 and units[start - 2].kind == "num":
        return False  # a code spelled out: "6 a 12 345 678 901"
    for unit in reversed(units[max(0, start - _CONTEXT_WINDOW) : start]):
        if unit.kind == "num":
            break
        if _bare(unit.value) in _NOT_PHONE_CONTEXT:
            return False
    return True


def _looks_like_date(groups: Sequence[str]) -> bool:
    """ "12 03 2024": day, month, year."""
    if len(groups) != 3 or len(groups[2]) != 4:
        return False
    day, month, year = (int(g) for g in groups)
    return 1 <= day <= 31 and 1 <= month <= 12 and 1900 <= year <= 2099


def _bare(word: str) -> str:
    """The word without an elided article: "d'abonné" -> "abonné"."""
    return word.split("'", 1)[1] if re.match(r"^[a-z]['’]", word) else word


def _announced_phone(units: Sequence[_Unit], start: int) -> bool:
    """A phone word ("portable", "number", …) shortly before, with no other number between."""
    for unit in reversed(units[max(0, start - _PHONE_CONTEXT_WINDOW) : start]):
        if unit.kind == "num":
            return False
        if _bare(unit.value) in _PHONE_CONTEXT:
            return True
    return False


def _non_overlapping(found: list[tuple[int, int, _Found]]) -> list[_Found]:
    """Longest candidates first, so "06 39 98 12 34" is one phone, not a shorter window of it."""
    chosen: list[_Found] = []
    for _, _, f in sorted(found, key=lambda x: (-x[0], -x[1], x[2].lo)):
        if all(f.hi <= c.lo or f.lo >= c.hi for c in chosen):
            chosen.append(f)
    return chosen


def _scan_ibans(tokens: Sequence[_Token], units: Sequence[_Unit]) -> list[_Found]:
    """IBANs written or spelled out: a country code then digits, letters and short codes."""
    found: list[tuple[int, int, _Found]] = []
    for k, unit in enumerate(units):
        if unit.kind != "word":
            continue
        word = unit.value
        if re.fullmatch(r"[a-z]{2}\d{2}[a-z0-9]*", word) or re.fullmatch(r"[a-z]{2}", word):
            start = k
        elif len(word) == 1 and word.isalpha() and k + 1 < len(units):
            start = k  # "f r sept six …"
        else:
            continue
        chars = ""
        ends: list[tuple[int, str]] = []
        for m in range(start, len(units)):
            u = units[m]
            if u.kind == "filler":
                continue
            if u.kind == "num" or (u.kind == "word" and _ALNUM_RE.fullmatch(u.value)):
                piece = u.value
            else:
                break
            chars += piece
            if len(chars) > 34:
                break
            ends.append((u.hi, chars))
        for hi, compact in reversed(ends):
            if len(compact) >= 15 and compact[:2].isalpha() and std_iban.is_valid(compact):
                found.append((len(compact), _PRIORITY[IBAN], _Found(unit.lo, hi, IBAN)))
                break
    return _non_overlapping(found)


#: tldextract from its bundled snapshot only: no suffix-list URL, no cache folder, no network.
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def _is_domain(domain: str) -> bool:
    if "." not in domain or domain.startswith(".") or domain.endswith("."):
        return False
    parts = _TLD(domain)
    return bool(parts.suffix) and bool(parts.domain)


def _scan_spoken_emails(tokens: Sequence[_Token]) -> list[_Found]:
    """ "jean point dupont arobase exemple point fr", "john dot smith at example dot co dot uk"."""
    found: list[_Found] = []
    n = len(tokens)
    for k, tok in enumerate(tokens):
        if tok.text not in _AT or k == 0 or k + 1 >= n:
            continue
        # Domain: one or two words, then (joiner word)*; the longest prefix with a real suffix wins.
        domain = ""
        best_hi = None
        m = k + 1
        words_before_dot = 0
        while m < n:
            word = tokens[m].text
            if "@" in word or word in _AT:
                break
            if word in _DOT or word in {"tiret", "dash", "hyphen"}:
                if m + 1 >= n or not domain:
                    break
                domain += "." if word in _DOT else "-"
                m += 1
                continue
            if domain and not domain.endswith((".", "-")):
                if "." in domain or words_before_dot >= 2:
                    break
                words_before_dot += 1
            domain += word
            m += 1
            if _is_domain(domain):
                best_hi = m
        if best_hi is None:
            continue
        # Local part, read backwards: joined pieces freely, plain words up to a stop word.
        lo = k - 1
        if tokens[lo].text in _LOCAL_STOP or tokens[lo].text in _JOIN:
            continue
        plain = 1
        while lo > 0:
            prev = tokens[lo - 1].text
            if prev in _JOIN and lo - 2 >= 0 and tokens[lo - 2].text not in _AT:
                lo -= 2
                while lo > 0 and tokens[lo].text in _JOIN:  # "tiret du bas"
                    lo -= 1
                continue
            if (
                prev in _LOCAL_STOP
                or prev in _AT
                or "@" in prev
                or tokens[lo - 1].pause  # "c'est jean-pierre, jean-pierre point martin …"
                or plain >= _MAX_LOCAL_WORDS
            ):
                break
            lo -= 1
            # "eighty four" is one piece of the address, like "84".
            if not (_is_number_word(prev) and _is_number_word(tokens[lo + 1].text)):
                plain += 1
        found.append(_Found(lo, best_hi, EMAIL))
    return found


# --------------------------------------------------------------------------- Presidio


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
        tokens = _tokens(text)
        units = _units(tokens, language)
        found = (
            _scan_numbers(units, language)
            + _scan_ibans(tokens, units)
            + _scan_spoken_emails(tokens)
        )
        return [
            RecognizerResult(f.entity, tokens[f.lo].start, tokens[f.hi - 1].end, 1.0)
            for f in found
            if f.entity in entities
        ]


class _OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's written e-mail pattern, its domain checked against the bundled suffix snapshot."""

    def validate_result(self, pattern_text: str) -> bool:
        return _is_domain(pattern_text.rsplit("@", 1)[-1])


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
        PiiSpan(r.start, r.end, _PRESIDIO_TYPES.get(r.entity_type, r.entity_type))
        for r in results
        if _PRESIDIO_TYPES.get(r.entity_type, r.entity_type) in ENTITIES
    ]
    return _merge(spans)


def _merge(spans: Iterable[PiiSpan]) -> list[PiiSpan]:
    """Union overlapping spans; the merged span takes the type of its longest member."""
    merged: list[tuple[int, int, PiiSpan]] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1][1]:
            lo, hi, best = merged[-1]
            key = (span.end - span.start, _PRIORITY[span.entity])
            if key > (best.end - best.start, _PRIORITY[best.entity]):
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


# --------------------------------------------------------------------------- word lists


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
    segments: Sequence[Sequence[Mapping[str, Any] | Any]], language: str | None
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
    spans = find_pii(full, language)
    return [
        _redact_one(seg, texts[n], offsets[n], seg_start[n], spans)
        for n, seg in enumerate(segments)
    ]


def redact_words(words: Sequence[Mapping[str, Any] | Any], language: str | None) -> RedactedSegment:
    """Redact one segment from its word list (see ``redact_segments``)."""
    return redact_segments([words], language)[0]


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
