"""ASR text as tokens, and tokens as units: spoken numbers read as digit strings (text2num)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from text_to_num import text2num

from transforms.privacy.pii.entities import LANGUAGES

#: Punctuation ASR scatters around tokens; stripped so that "34," and "(202)" read as numbers.
_EDGE_PUNCT = ".,;:!?…()[]{}\"«»“”'’/"
#: Digits, maybe grouped by "-" or "." (slashes make dates, not numbers to join), maybe opened
#: by a trunk zero in brackets after a country code ("+44 (0)7700 …": the "(" is stripped as
#: edge punctuation, "0)7700" is left; round 17).
_DIGITS_RE = re.compile(r"\+?(?:0\))?\d+(?:[-.]\d+)*")

_ZERO = {"fr": {"zéro", "zero"}, "en": {"zero", "oh", "o", "nought"}}
#: "double six", "triple zéro", and British "treble nine".
_REPEAT = {"double": 2, "triple": 3, "treble": 3}
#: Digit words of the other language, read as digits next to another number: callers switch
#: language inside a number ("plus quarante-quatre seven seven …", "h s zéro quatre deux …").
#: In English text "un"/"une" (articles) and "sept" (a month) stay words.
_OTHER_DIGITS = {
    "fr": {"oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7,
           "eight": 8, "nine": 9},
    "en": {"zéro": 0, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "huit": 8,
           "neuf": 9},
}  # fmt: skip
#: Zero said as the letter O in French ("o six trente-neuf …", "cinquante-trois o quatre", "le
#: deux soixante-neuf o sept …"), as English speakers say it (issue 22, round 17): a digit next
#: to another number only, and not beside a single letter, where it spells a code's O ("s o
#: deux cinq …", "c m c o deux …", "… soixante-deux o f …").
_LETTER_ZERO = {"fr": {"o"}, "en": set()}
#: Single letters that are words of the language, not an initial or a letter spelled ("a
#: problem", "y aller", "il y a o six …").
WORD_LETTERS = {"en": {"a", "i", "o"}, "fr": {"a", "à", "y", "o"}}
#: Hesitations and the NIR "key" word may sit between the digit groups of one number.
_FILLERS = {
    "euh", "heu", "hum", "hm", "uh", "um", "er", "erm", "ah", "bah", "ben", "clé", "cle", "key",
}  # fmt: skip
#: The other party's acknowledgements between the pieces of a number read across turns ("06 39
#: 98 | d'accord | 12 34"): the call's segments are redacted together, so they sit inside it.
BACKCHANNELS = {
    "mm", "mhm", "hmm", "oui", "ouais", "ok", "okay", "d'accord", "yeah", "yes", "yep", "right",
    "go", "on", "je", "note", "noted", "continuez", "allez-y",
} | {
    # The listener's "I'm following" sounds as Whisper spells them: a closed class, whatever the
    # value they cut (issue 22, round 9: "oh two five five five oh mm-hmm four one two seven").
    "mm-hmm", "mmhmm", "mhmm", "mm-hm", "uh-huh", "uh-hum", "yup", "hm-hm", "mmh",
}  # fmt: skip
#: Self-corrections inside a number ("… nine oh oh, sorry, nine oh oh eight two one"): the digits on
#: both sides belong to the same number, so the whole stretch is redacted.
_CORRECTIONS = {"sorry", "pardon", "non", "no", "désolé", "désolée", "oops"}
#: Glue words inside one spoken number ("vingt et un", "three hundred and twelve").
_NUMBER_GLUE = {"et", "and"}
_PLUS = {"plus"}
_WORD_KINDS = {
    **dict.fromkeys(_FILLERS | BACKCHANNELS, "filler"),
    **dict.fromkeys(_CORRECTIONS, "correction"),
    **dict.fromkeys(_PLUS, "plus"),
}
#: A spoken number is at most this many words ("quatre mille neuf cent soixante-dix-neuf"; "nine
#: hundred and ninety nine thousand nine hundred and ninety nine", eleven: a cap of seven cut
#: "… thousand four | hundred and fifty six" in two and left the end in clear; round 18).
_MAX_NUMBER_WORDS = 11


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str  # lower case, edge punctuation stripped
    pause: bool = False  # punctuation followed it: a spoken number does not run across it


@dataclass(frozen=True)
class Unit:
    """A token or a spoken number made of several tokens ``[lo, hi)``."""

    kind: str  # "num", "word", "filler", "correction", "plus"
    value: str  # digits for "num", the lower-case token otherwise
    lo: int
    hi: int
    plus: bool = False  # a written "+33…"


def tokenize(text: str) -> list[Token]:
    out = []
    for m in re.finditer(r"\S+", text):
        raw = m.group(0)
        left = len(raw) - len(raw.lstrip(_EDGE_PUNCT))
        stripped = raw.strip(_EDGE_PUNCT)
        if not stripped:
            continue
        start = m.start() + left
        pause = raw.rstrip(_EDGE_PUNCT) != raw
        out.append(Token(start, start + len(stripped), stripped.lower().replace("’", "'"), pause))
    return out


@lru_cache(maxsize=4096)
def _number(words: str, language: str) -> int | None:
    """text2num of a phrase, or None when the phrase is not one number."""
    try:
        return text2num(words, language)
    except (ValueError, IndexError, KeyError):
        return None


def is_number_word(word: str) -> bool:
    return any(_number(word, lang) is not None for lang in LANGUAGES)


def is_number_word_in(word: str, language: str) -> bool:
    """A number word of ``language`` ("four" is one in English, not in French)."""
    return _number(word, language) is not None


def _digit_word(word: str, language: str) -> bool:
    return (
        _DIGITS_RE.fullmatch(word) is not None
        or word in _ZERO[language]
        or word in _OTHER_DIGITS[language]
        or _number(word, language) is not None
    )


def _next_to_number(tokens: Sequence[Token], i: int, language: str) -> bool:
    """A number word or digits right before or after token ``i`` (a filler may sit between)."""
    for step in (-1, 1):
        j = i + step
        if 0 <= j < len(tokens) and tokens[j].text in _FILLERS:
            j += step
        if 0 <= j < len(tokens) and (
            _digit_word(tokens[j].text, language) or tokens[j].text in _REPEAT
        ):
            return True
    return False


def _letter_zero(tokens: Sequence[Token], i: int, language: str) -> bool:
    """``tokens[i]`` is an O said for zero (``_LETTER_ZERO``): it, or the run of O's it is in
    ("o o trente-trois …", "double o …"), next to a number, with no single letter beside."""
    zeros = _LETTER_ZERO[language]
    if tokens[i].text not in zeros:
        return False
    lo, hi = i, i + 1
    while lo > 0 and tokens[lo - 1].text in zeros | _REPEAT.keys():
        lo -= 1
    while hi < len(tokens) and tokens[hi].text in zeros:
        hi += 1
    beside = [tokens[j].text for j in (lo - 1, hi) if 0 <= j < len(tokens)]
    if any(len(w) == 1 and w.isalpha() and w not in WORD_LETTERS[language] for w in beside):
        return False
    return _next_to_number(tokens, lo, language) or _next_to_number(tokens, hi - 1, language)


#: Words after which English "one" is a pronoun, not a digit (issue 22, round 14; closed
#: classes): a determiner of its own ("that one", "which one"), or an adjective after a
#: determiner ("the old one", "my new one").
_ONE_DETERMINERS = {"that", "this", "which", "another", "each", "every"}
_ONE_ADJECTIVES = {"old", "new", "other", "same", "wrong", "right", "last", "previous", "current"}
_DETERMINERS_EN = {"the", "my", "your", "his", "her", "our", "their", "that", "this", "an", "a"}


def _pronoun_one(tokens: Sequence[Token], i: int) -> bool:
    """``tokens[i]`` ("one") is a pronoun: after a determiner or after a determiner and an
    adjective ("that one", "the old one", "my new one")."""
    prev = tokens[i - 1].text if i > 0 else ""
    if prev in _ONE_DETERMINERS:
        # "is that one one seven nine?" reads a number back: not before another digit
        nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
        return not (_DIGITS_RE.fullmatch(nxt) or _number(nxt, "en") is not None or nxt == "oh")
    return prev in _ONE_ADJECTIVES and i > 1 and tokens[i - 2].text in _DETERMINERS_EN


#: The words after which English "a" is "one" ("a hundred and five", "a thousand").
_A_ONE = {"hundred", "thousand"}


def _a_hundred(tokens: Sequence[Token], i: int) -> bool:
    """``tokens[i]`` ("a") opens a number: "hundred" or "thousand" follows it, in one breath."""
    return i + 1 < len(tokens) and tokens[i + 1].text in _A_ONE and not tokens[i].pause


def spoken_units(tokens: Sequence[Token], language: str) -> list[Unit]:
    zero = _ZERO[language]
    units: list[Unit] = []
    i = 0
    n = len(tokens)
    while i < n:
        word = tokens[i].text
        if _DIGITS_RE.fullmatch(word):
            digits = re.sub(r"\D", "", word)
            units.append(Unit("num", digits, i, i + 1, plus=word.startswith("+")))
            i += 1
            continue
        if word in zero or _letter_zero(tokens, i, language):
            units.append(Unit("num", "0", i, i + 1))
            i += 1
            continue
        if (
            word in _OTHER_DIGITS[language]
            and _number(word, language) is None
            and _next_to_number(tokens, i, language)
        ):
            units.append(Unit("num", str(_OTHER_DIGITS[language][word]), i, i + 1))
            i += 1
            continue
        if word in _REPEAT and i + 1 < n:
            nxt = tokens[i + 1].text
            zero_said = nxt in zero or _letter_zero(tokens, i + 1, language)
            digit = "0" if zero_said else _OTHER_DIGITS[language].get(nxt, _number(nxt, language))
            if digit is not None and len(str(digit)) == 1:
                units.append(Unit("num", str(digit) * _REPEAT[word], i, i + 2))
                i += 2
                continue
        if word == "one" and _pronoun_one(tokens, i):
            units.append(Unit("word", word, i, i + 1))
            i += 1
            continue
        # "a hundred and five" is "one hundred and five" (round 17: "nine hundred, a hundred
        # and five", a number read back in groups)
        one = language == "en" and word == "a" and _a_hundred(tokens, i)
        if _number(word, language) is not None or one:
            # Longest run of words that text2num reads as ONE number; zeros always stand alone
            # ("zéro zéro" is two digits, not 0).
            best = i + 1
            said = [t.text for t in tokens]
            if one:
                said[i] = "one"
            for j in range(min(n, i + _MAX_NUMBER_WORDS), i + 1, -1):
                words = said[i:j]
                if any(w in zero for w in words) or words[-1] in _NUMBER_GLUE:
                    continue
                if any(t.pause for t in tokens[i : j - 1]):
                    continue
                if _number(" ".join(words), language) is not None:
                    best = j
                    break
            value = _number(" ".join(said[i:best]), language)
            units.append(Unit("num", str(value), i, best))
            i = best
            continue
        units.append(Unit(_WORD_KINDS.get(word, "word"), word, i, i + 1))
        i += 1
    return _hundreds_oh(units, tokens)


def _hundreds_oh(units: list[Unit], tokens: Sequence[Token]) -> list[Unit]:
    """A zero said between a round hundred said in words and one digit fills its tens ("four
    hundred oh five", "quatre cent o cinq": 405, as "four oh five" is; round 18). Not two zeros
    ("nine hundred oh oh four"), nor a zero before a longer number."""
    out: list[Unit] = []
    k = 0
    while k < len(units):
        u = units[k]
        said = units[k : k + 3]
        if (
            len(said) == 3
            and all(s.kind == "num" for s in said)
            and re.fullmatch(r"[1-9]00", u.value)
            and not tokens[u.lo].text[:1].isdigit()
            and said[1].value == "0"
            and re.fullmatch(r"[1-9]", said[2].value)
            and said[1].lo == u.hi
            and said[2].lo == said[1].hi
            and said[2].hi == said[2].lo + 1
        ):
            out.append(Unit("num", u.value[0] + "0" + said[2].value, u.lo, said[2].hi, u.plus))
            k += 3
            continue
        out.append(u)
        k += 1
    return out


# ----------------------------------------------------------------------------- homophones

#: Words ASR writes for a digit or a number word it heard (closed classes, issue 22, round 11):
#: "oh for one seven" (four), "too"/"to" (two), "ate" (eight), "won" (one); French "vin"
#: (vingt), "sans" (cent), "cette" (sept), "mil" (mille).
_DIGIT_HOMOPHONES = {
    "en": {"for": "four", "fore": "four", "to": "two", "too": "two", "ate": "eight",
           "won": "one"},
    "fr": {"vin": "vingt", "vins": "vingt", "vint": "vingt", "sans": "cent", "sang": "cent",
           "cette": "sept", "sète": "sept", "mil": "mille"},
}  # fmt: skip
#: Letters heard as words when a code is spelled ("are gee fourteen to sea why", "queue you i n
#: e why"; French "hache"): the names of the letters, a closed class.
_LETTER_HOMOPHONES = {
    "en": {"bee": "b", "sea": "c", "see": "c", "dee": "d", "ef": "f", "eff": "f", "gee": "g",
           "aitch": "h", "haitch": "h", "jay": "j", "kay": "k", "el": "l", "em": "m", "ess": "s",
           "tee": "t", "tea": "t", "you": "u", "en": "n", "vee": "v", "ex": "x", "why": "y",
           "zed": "z", "zee": "z", "queue": "q", "cue": "q", "are": "r", "pea": "p", "pee": "p"},
    "fr": {"hache": "h", "grec": "y"},
}  # fmt: skip
#: Words that ask for or announce a number or a code: a homophone right after one (4 words at
#: most) opens the value ("le code postal c'est le vin neuf …", "postcode's are gee …").
_NUMBER_REQUESTS = {
    "number", "number's", "numbers", "numéro", "numéros", "code", "postcode", "postcode's",
    "postal", "reference", "référence", "ref", "mobile", "mobile's", "landline", "phone",
    "portable", "fixe", "téléphone", "joindre", "ring", "serial", "série", "upn", "id",
    "username", "login", "identifiant",
}  # fmt: skip
_REQUEST_REACH = 4
#: Digits, number words and letters a run needs, with no request before it, to be a code
#: ("oh for one seven", "three eight ate"; not "nine to five").
_CODE_PARTS = 3


#: Words that open a range ("from twenty nine ninety nine to thirty four fifty"): "to" and "and"
#: after them stay words.
_RANGES = {"from", "between", "de", "entre"}


def _plain(word: str, language: str) -> bool:
    """A number word or a single letter: what a spoken code is made of. Not written digits: ASR
    writes a homophone only where it writes the number in words ("07700 900 356 for you")."""
    return (len(word) == 1 and word.isalpha()) or (
        _DIGITS_RE.fullmatch(word) is None and _digit_word(word, language)
    )


def hear_digits(tokens: Sequence[Token], language: str) -> list[Token]:
    """Tokens with the digits and letters ASR wrote as homophones given back.

    A homophone counts as its digit or letter only inside a spoken code: a run of digits,
    number words, letters and homophones that holds three digits, number words or letters at
    least, or one digit or number word when a request for a number opens it ("postcode's are
    gee fourteen …"); a digit's homophone needs a number word in the run. Never alone, never
    beside written digits, never in a range ("from … to …"): "for two weeks", "you are", "nine
    to five", "07700 900 356 for you" stay words.
    """
    digits = _DIGIT_HOMOPHONES.get(language, {})
    letters = _LETTER_HOMOPHONES.get(language, {})
    n = len(tokens)
    if not any(t.text in digits or t.text in letters for t in tokens):
        return list(tokens)
    heard = {i: t.text for i, t in enumerate(tokens) if t.text in digits or t.text in letters}

    def part(j: int) -> bool:  # "double"/"triple" join a code's parts ("double oh too six")
        return 0 <= j < n and (
            j in heard or tokens[j].text in _REPEAT or _plain(tokens[j].text, language)
        )

    def real(j: int) -> bool:
        return 0 <= j < n and j not in heard and _plain(tokens[j].text, language)

    # Runs of parts (homophones included); keep a run's homophones when the run holds real
    # parts enough to be a code, or a request opens it.
    out = list(tokens)
    i = 0
    while i < n:
        if not part(i):
            i += 1
            continue
        j = i
        while j < n and part(j) and not (j > i and tokens[j - 1].pause):
            j += 1
        run = range(i, j)
        reals = sum(real(k) for k in run)
        digit_reals = sum(real(k) and _digit_word(tokens[k].text, language) for k in run)
        requested = any(t.text in _NUMBER_REQUESTS for t in tokens[max(0, i - _REQUEST_REACH) : i])
        ranged = i > 0 and tokens[i - 1].text in _RANGES
        if (reals >= _CODE_PARTS or (requested and digit_reals >= 1)) and not ranged:
            for k in run:
                # a digit's homophone needs a number word in its run ("b a u d o u i n sans
                # e" spells a name); a letter's does not ("queue you i n e why")
                if k in heard and (heard[k] in letters or digit_reals):
                    word = digits.get(heard[k]) or letters[heard[k]]
                    out[k] = Token(tokens[k].start, tokens[k].end, word, tokens[k].pause)
        i = j
    return out
