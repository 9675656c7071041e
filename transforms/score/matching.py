"""Phrase matching that survives ASR errors.

Whisper (and espeak test voices) get words slightly wrong: accents dropped, "cet appel" heard as
"c'est appel", numbers written as digits or words, a word dropped or inserted. Matching therefore
compares *normalised* text with a fuzzy ratio over word windows:

1-3. ``transforms.core.text.normalise``: PII placeholders to a word gap, number words to digits
   (per language), lower case, accents folded, punctuation out.
4. ``phrase_similarity``: the best rapidfuzz ratio (0-100) of the phrasing against windows of
   the text of the phrasing's word count ±1 (a dropped or inserted word still matches; windows keep
   matches on word boundaries, so "hello" does not match inside "othello").

5. French only: the same ratio on a *phonetic key* of each word (``phonetic_fr``), and the
   better of the two counts. Whisper spells French by ear: "m'appellais" for "m'appelle", "c'est
   appel" for "cet appel", "en registré" for "enregistré"; their keys are equal ("mapel", "se apel",
   "arejistr"), while unrelated words keep different keys.

``MATCH_THRESHOLD`` (85, in ``transforms.core.scorecards``) is the default a scorecard may
override: on the sample and benchmark calls it accepts one ASR slip in a short phrase (e.g.
"c'est appel peut être enregistré": 90-97)
while unrelated words of similar length stay below 80.

6. Forbidden phrases (``phrase_not_said``) need the words (``words_similarity``): the same ratio,
   on characters only, against windows of exactly the phrase's word count, elided particles and
   contractions glued to their word first ("n'importe quoi" is two words, "nimporte quoi", and
   does not match "un importe qu'elle"). A sound-alike is a near match for a person to hear, never
   a verdict (``transforms.score.scoring``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz

from transforms.core.text import normalise

#: Languages with a phonetic key; others are matched on characters only.
PHONETIC_LANGUAGES = frozenset({"fr"})
#: An elided particle ("c'", "m'", "qu'") is one sound with the next word: "c est" -> "cest".
_ELISION = re.compile(r"\b(jusqu|lorsqu|puisqu|qu|[cdjlmnst]) (?=[aeiouyh])")
#: "48h" / "48 h" is "48 heures".
_HOURS = re.compile(r"\b(\d+) ?h\b")
#: French spelling to sound, in order, on one accent-folded word. Nasal vowels become capitals
#: (A, I, O) so that they cannot merge with the letters around them.
_FR_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), sound)
    for pattern, sound in (
        (r"([a-z])\1+", r"\1"),  # double letters: appelle -> apele
        (r"eau|au", "o"),
        (r"ph", "f"),
        (r"th", "t"),
        (r"sch|ch", "x"),
        (r"qu|q", "k"),
        (r"gu(?=[eiy])", "g"),
        (r"c(?=[eiy])", "s"),
        (r"ck|c", "k"),
        (r"g(?=[eiy])", "j"),
        (r"oi", "wa"),
        (r"ou", "u"),
        (r"ien(?![aeiouyAIO])", "iI"),
        (r"(ai|ei)[nm](?![aeiouyAIO])", "I"),
        (r"[iyu][nm](?![aeiouyAIO])", "I"),
        (r"[ae][nm](?![aeiouyAIO])", "A"),
        (r"o[nm](?![aeiouyAIO])", "O"),
        (r"ai|ei", "e"),
        (r"(er|ez|et)$", "e"),
        (r"y", "i"),
        (r"h", ""),
        (r"(?<=.)[stdxzp]+$", ""),  # mute final consonants: est -> e, vous -> vu
        (r"(?<=..[^aeiouyAIO])e$", ""),  # mute final e of a longer word: appelle -> apel
        (r"([a-zAIO])\1+", r"\1"),
    )
)


@lru_cache(maxsize=65536)
def phonetic_fr(text: str) -> str:
    """French phonetic key of normalised text, word by word.

    'je m appellais' -> 'je mapel'; 'c est appel' and 'cet appel' -> 'se apel'.
    """
    text = _HOURS.sub(r"\1 heures", _ELISION.sub(r"\1", text))
    keys = []
    for word in text.split():
        if word.isdigit():
            keys.append(word)
            continue
        for pattern, sound in _FR_RULES:
            word = pattern.sub(sound, word)
        keys.append(word)
    return " ".join(k for k in keys if k)


def similarity(phrase: str, text: str, language: str | None, phonetic: bool = True) -> float:
    """Best fuzzy ratio of a normalised phrase in normalised text: on characters and, in a
    language with a phonetic key (French), on the keys too; the better one counts."""
    best = phrase_similarity(phrase, text)
    if phonetic and best < 100.0 and language in PHONETIC_LANGUAGES:
        best = max(best, phrase_similarity(phonetic_fr(phrase), phonetic_fr(text)))
    return best


#: English contractions after normalisation ("don t", "that s"): glued back to their word.
_CONTRACTION = re.compile(r"(?<=[a-z]) (s|t|ll|re|ve|d|m)\b")


def glue_elisions(text: str, language: str | None) -> str:
    """Normalised text with French elided particles glued to the next word ("n importe quoi" ->
    "nimporte quoi") and English contractions to the previous one ("don t" -> "dont"), so that
    a word count is the count of spoken words."""
    if language == "fr":
        return _ELISION.sub(r"\1", text)
    if language == "en":
        return _CONTRACTION.sub(r"\1", text)
    return text


def words_match(phrase: str, text: str, language: str | None) -> tuple[float, list[str], int]:
    """(best ratio, the text's words with elisions glued, index of the best window's first word)
    of a normalised phrase against windows of exactly its word count (``words_similarity``)."""
    p = glue_elisions(phrase, language)
    t_words = glue_elisions(text, language).split()
    n = len(p.split())
    if not n or not t_words:
        return 0.0, t_words, 0
    best, at = 0.0, 0
    for i in range(max(1, len(t_words) - n + 1)):
        sim = fuzz.ratio(p, " ".join(t_words[i : i + n]))
        if sim > best:
            best, at = sim, i
            if best == 100.0:
                break
    return best, t_words, at


def words_similarity(phrase: str, text: str, language: str | None) -> float:
    """Best ratio (0-100) of a normalised phrase against windows of exactly its word count of the
    normalised text, elisions glued (``glue_elisions``), on characters only: a forbidden phrase
    is found only where its words are."""
    return words_match(phrase, text, language)[0]


def best_words(
    phrases: Iterable[tuple[str, str | None]], text: str, text_language: str | None
) -> tuple[str | None, float]:
    """(phrasing, ``words_similarity``) of the best of ``(phrasing, its language)`` pairs."""
    best_phrase_, best = None, 0.0
    for phrase, language in phrases:
        lang = language or text_language
        sim = words_similarity(normalise(phrase, lang), normalise(text, lang), lang)
        if sim > best:
            best_phrase_, best = phrase, sim
    return best_phrase_, best


def phrase_similarity(phrase: str, text: str) -> float:
    """Best fuzzy ratio (0-100) of a normalised phrase over word windows of the normalised text."""
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


def best_phrase(
    phrases: Iterable[tuple[str, str | None]],
    text: str,
    text_language: str | None,
    phonetic: bool = True,
) -> tuple[str | None, float]:
    """(phrasing, similarity) of the best of ``(phrasing, its language)`` pairs against ``text``."""
    best_phrase_, best = None, 0.0
    norm_cache: dict[str | None, str] = {}
    for phrase, language in phrases:
        # Normalise the text with the phrasing's language, so number words convert alike.
        lang = language or text_language
        if lang not in norm_cache:
            norm_cache[lang] = normalise(text, lang)
        sim = similarity(normalise(phrase, lang), norm_cache[lang], lang, phonetic)
        if sim > best:
            best_phrase_, best = phrase, sim
    return best_phrase_, best


def speaker_ok(wanted: str, speaker: str) -> bool:
    """Whether a segment's speaker can satisfy a rule for ``wanted`` (agent, customer, any).

    An unattributed (mono) segment may be anyone's: it is a candidate, flagged for review.
    """
    return wanted == "any" or speaker in (wanted, "unknown")
