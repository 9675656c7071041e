"""Values read with a spelling alphabet, and British bank and health numbers named by their cue.

Issue 22's seventh recall round (tuned on ``heldout8``):

- A run of the NATO spelling alphabet ("delta alpha november golf", "whiskey lima seven two yankee
  bravo mike") is one spelled value: its type is what the words before it ask for (a postcode
  after "postcode"/"code postal" is an address), an identifier when digits are read inside it,
  otherwise a name. Two alphabet words at least, with nothing but digits, number words and
  fillers between them, and not after a determiner ("the golf hotel"). The word said right before
  the run that it spells ("dang delta alpha november golf") is part of it.
- A UK sort code (six digits after "sort code", with the account number said beside it: alone
  it names a bank branch) and an NHS number (ten digits after "nhs", whose
  mod-11 check digit holds) are identifiers, not phone numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from transforms.privacy.pii.entities import ADDRESS, ID, NAME
from transforms.privacy.pii.people import Found
from transforms.privacy.pii.tokens import Token, Unit

#: The ICAO/NATO spelling alphabet (a closed class), with the spellings ASR writes.
NATO = {
    "alpha", "alfa", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
    "juliet", "juliett", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
    "sierra", "tango", "uniform", "victor", "whiskey", "whisky", "x-ray", "xray", "yankee", "zulu",
}  # fmt: skip
_DETERMINERS = {"the", "a", "an", "le", "la", "les", "un", "une", "du", "des", "au"}
_POSTCODE_CUES = {"postcode", "postcode's", "post", "postal", "zip"}
_LOOK_BACK = 4
#: Tokens either side of a sort code within which its account number is said.
_BESIDE = 12


def _cue_before(tokens: Sequence[Token], lo: int, cues: set[str]) -> bool:
    return any(t.text in cues for t in tokens[max(0, lo - _LOOK_BACK) : lo])


def _spelled_by(word: str, initials: str) -> bool:
    return len(word) >= 2 and word.replace("-", "") == initials


def scan_spelling_alphabet(tokens: Sequence[Token], units: Sequence[Unit]) -> list[Found]:
    """Runs of the NATO alphabet, typed by what is asked around them (see the module)."""
    found: list[Found] = []
    k = 0
    while k < len(units):
        if units[k].kind != "word" or units[k].value not in NATO:
            k += 1
            continue
        start, end, words, digits, initials = k, k, 0, False, ""
        m = k
        while m < len(units):
            u = units[m]
            if u.kind == "word" and u.value in NATO:
                words += 1
                initials += u.value[0]
                end = m + 1
            elif u.kind == "num":
                digits = True
                end = m + 1
            elif u.kind != "filler":
                break
            m += 1
        lo = units[start].lo
        if words >= 2 and not (lo > 0 and tokens[lo - 1].text in _DETERMINERS):
            hi = units[end - 1].hi
            if _cue_before(tokens, lo, _POSTCODE_CUES) or (
                lo >= 2 and tokens[lo - 2].text == "code" and tokens[lo - 1].text == "postal"
            ):
                found.append(Found(lo, hi, ADDRESS))
            elif digits:
                found.append(Found(lo, hi, ID))
            else:
                before = lo - 1
                while before >= 0 and tokens[before].text in ("uh", "um", "euh", "erm"):
                    before -= 1
                if before >= 0 and _spelled_by(tokens[before].text, initials):
                    lo = before
                found.append(Found(lo, hi, NAME))
        k = max(end, k + 1)
    return found


def _nhs_valid(digits: str) -> bool:
    """The NHS number's mod-11 check digit."""
    if len(digits) != 10:
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return (0 if check == 11 else check) == int(digits[9])


def _number_runs(units: Sequence[Unit]) -> list[tuple[int, int, str]]:
    """Runs of number units (fillers between them): (first unit, last unit + 1, digits)."""
    runs: list[tuple[int, int, str]] = []
    k = 0
    while k < len(units):
        if units[k].kind != "num":
            k += 1
            continue
        m, end, digits = k, k, ""
        while m < len(units) and units[m].kind in ("num", "filler"):
            if units[m].kind == "num":
                digits += units[m].value
                end = m + 1
            m += 1
        runs.append((k, end, digits))
        k = m
    return runs


def scan_bank_and_health_numbers(tokens: Sequence[Token], units: Sequence[Unit]) -> list[Found]:
    """A sort code (six digits after "sort code", an account said beside it) and a valid NHS
    number (after "nhs")."""
    found: list[Found] = []
    for first, end, digits in _number_runs(units):
        lo, hi = units[first].lo, units[end - 1].hi
        back = [t.text for t in tokens[max(0, lo - _LOOK_BACK) : lo]]
        sort_code = any(a == "sort" and b.startswith("code") for a, b in pairwise(back))
        # a sort code alone names a bank branch (pii_corpus keeps "the sort code is 20 00 00" as
        # a negative); with the account number said beside it, it is half of the account's
        account = any(
            t.text.startswith(("account", "compte"))
            for t in tokens[max(0, lo - _BESIDE) : hi + _BESIDE]
        )
        if (sort_code and account and len(digits) == 6) or ("nhs" in back and _nhs_valid(digits)):
            found.append(Found(lo, hi, ID))
    return found
