"""Phone numbers and people's names masked in names: recorders often name a file after the
caller's number, agents after the caller ("Jane Smith 07700 900123.wav").

A name is shown, stored (``bronze.quarantine.file_name``, quarantine object paths, batch ids)
and logged only masked: every digit of a phone number in it becomes ``x``
(``+33 6 39 98 01 23.wav`` → ``+xx x xx xx xx xx.wav``). A number may be written in groups
separated by one or two of space, dot, hyphen or parentheses; it is a phone number by the same
rules as in transcripts (``transforms.privacy.pii.validators.is_phone``: with ``+`` or ``00``,
a possible international number; otherwise a French or British number with its trunk 0, a
10-digit North American number, or an international number written without ``+`` that
phonenumbers' metadata says is valid). Dates and counters (``acme-20261102-0001``) are kept.

A person's name is recognised by how people write one in a file name: a word of letters only,
standing alone between separators, written with a capital (``Jane``, ``DUPONT``), that may be a
name (``transforms.privacy.pii.people.is_name_word``: not a common word, a number word or a
word of the recorders' vocabulary); its letters become ``x`` (``Jane Smith.wav`` →
``xxxx xxxxx.wav``). The extension is kept. A name written all in lower case is not recognised:
no list of names is shipped, and a lower-case rule would mask most words.
"""

from __future__ import annotations

import re

import phonenumbers

from transforms.privacy.pii.people import is_name_word
from transforms.privacy.pii.validators import is_phone

#: A group of ASCII digits, with the ``+`` that may open a number.
_GROUP = re.compile(r"\+?[0-9]+")
#: What may stand between two groups of one number.
_SEPARATOR = re.compile(r"[ .()\-]{1,2}")
MIN_DIGITS, MAX_DIGITS = 9, 15


def _phone(digits: str, plus: bool) -> bool:
    if plus or digits.startswith("00"):
        return is_phone(digits, True, "fr")
    if is_phone(digits, False, "fr") or is_phone(digits, False, "en"):
        return True
    try:
        return len(digits) >= 11 and phonenumbers.is_valid_number(phonenumbers.parse("+" + digits))
    except phonenumbers.NumberParseException:
        return False


def _chains(text: str) -> list[list[re.Match[str]]]:
    """Runs of digit groups joined by separators."""
    chains: list[list[re.Match[str]]] = []
    for group in _GROUP.finditer(text):
        last = chains[-1][-1] if chains else None
        gap = text[last.end() : group.start()] if last else None
        if last is not None and not group.group().startswith("+") and _SEPARATOR.fullmatch(gap):
            chains[-1].append(group)
        else:
            chains.append([group])
    return chains


def mask_phone_numbers(text: str) -> str:
    """``text`` with every digit of each phone number in it replaced by ``x``."""
    masked = list(text)
    for chain in _chains(text):
        i = 0
        while i < len(chain):
            # The longest window of groups starting here that is a phone number.
            found = None
            for j in range(len(chain), i, -1):
                digits = "".join(g.group().lstrip("+") for g in chain[i:j])
                if MIN_DIGITS <= len(digits) <= MAX_DIGITS and _phone(
                    digits, chain[i].group().startswith("+")
                ):
                    found = j
                    break
            if found is None:
                i += 1
                continue
            for pos in range(chain[i].start(), chain[found - 1].end()):
                if masked[pos].isdigit():
                    masked[pos] = "x"
            i = found
    return "".join(masked)


#: A word in a name: letters only, between anything that is not a letter or a digit.
_WORD = re.compile(r"(?<![^\W_])[^\W\d_]{2,}(?![^\W_])")
#: What recorders, telephony exports and upload tools write in file names besides names.
_RECORDER_WORDS = """
    appel appels enregistrement rec record recording recordings audio voice call calls inbound
    outbound entrant sortant incoming outgoing track part left right mono stereo channel agent
    client customer caller batch lot manifest queue file files copy final new old test
    wav mp3 flac ogg opus csv json am pm utc gmt cet bst
    january february march april may june july august september october november december
    janvier février mars avril mai juin juillet août septembre octobre novembre décembre
    jan feb mar apr jun jul aug sep sept oct nov dec janv févr avr juil déc
    monday tuesday wednesday thursday friday saturday sunday
    lundi mardi mercredi jeudi vendredi samedi dimanche
"""
RECORDER_WORDS = frozenset(_RECORDER_WORDS.split())
#: An extension kept as it is (``.WAV`` is not a name).
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def _maybe_name(word: str) -> bool:
    return word[0].isupper() and word.lower() not in RECORDER_WORDS and is_name_word(word)


def mask_names(text: str) -> str:
    """``text`` with every letter of each capitalised word that may be a name replaced by ``x``
    (the extension kept)."""
    ext = _EXTENSION.search(text)
    stem, suffix = (text[: ext.start()], ext.group()) if ext else (text, "")
    masked = _WORD.sub(
        lambda m: "x" * len(m.group()) if _maybe_name(m.group()) else m.group(), stem
    )
    return masked + suffix


def mask_personal(text: str) -> str:
    """Phone numbers and capitalised names masked: how a landing name is shown and stored."""
    return mask_names(mask_phone_numbers(text))
