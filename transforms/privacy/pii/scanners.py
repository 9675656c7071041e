"""Scanners over tokens and units: phone, card and NIR numbers, IBANs, spoken e-mails.

Each returns token ranges; validation (``validators``) keeps prices, dates and order numbers out.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import tldextract
from stdnum import iban as std_iban

from transforms.privacy.pii.entities import CARD, EMAIL, IBAN, ID, NIR, PHONE, PRIORITY
from transforms.privacy.pii.tokens import Token, Unit, is_number_word
from transforms.privacy.pii.validators import (
    CONTEXT_WINDOW,
    DEVICE_ID_WORDS,
    MIN_GARBLED_DIGITS,
    NOT_PHONE_CONTEXT,
    PHONE_CONTEXT,
    PHONE_CONTEXT_WINDOW,
    TRANSACTION_WORDS,
    echoed_phone,
    is_card,
    is_nir,
    is_phone,
    phone_loop,
    phone_one_over,
    read_back_phone,
    restarted_phone,
)

_ALNUM_RE = re.compile(r"[a-z0-9]{1,8}")
#: A reference code mixing letters and digits ("aa1", "1z", "ab12").
_CODE_RE = re.compile(r"(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]+")

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
} | {
    # personal pronouns and forms of "to be": "i was at home dot com" is a clause, no address
    # (closed classes; issue 22, round 9)
    "i", "you", "he", "she", "we", "they", "was", "were", "am", "are", "be", "been", "being",
    "je", "tu", "il", "elle", "nous", "ils", "elles", "suis", "étais", "était", "étaient",
    "sommes", "êtes", "sont", "été", "j'étais", "j'suis",
}  # fmt: skip
#: At most this many plain words (no joiner between them) make up a spoken local part.
_MAX_LOCAL_WORDS = 3


@dataclass(frozen=True)
class _Found:
    lo: int  # token index range [lo, hi)
    hi: int
    entity: str


#: Holds inside a number read out: the caller pauses to look ("0131 496 0, hang on, 274"); what
#: follows goes on where it stopped, or is a new number when it starts with the same group.
_HOLDS = [("hang", "on"), ("hold", "on"), ("bear", "with", "me"), ("wait",), ("un", "instant"),
          ("un", "moment"), ("attendez",), ("attends",), ("let", "me", "see"),
          ("voyons",),
          # the caller says they read it again (round 17: "… non attendez je recommence …")
          ("je", "recommence"), ("recommence",), ("start", "again")]  # fmt: skip


#: Links by which a caller reading a number in pairs goes on with the next group ("06 39 oui 98
#: oui 15 et après 64"); they join only while the digits said are fewer than a phone number's.
_LINKS = [("et", "après"), ("et", "puis"), ("and", "then"), ("puis",), ("après",), ("then",),
          ("ensuite",)]  # fmt: skip
_SHORTEST_FULL_NUMBER = 10


def _hold_at(units: Sequence[Unit], k: int, current: Sequence[Sequence[int]] = ()) -> int:
    said = sum(len(units[m].value) for part in current for m in part)
    links = _LINKS if 0 < said < _SHORTEST_FULL_NUMBER else []
    for hold in (*_HOLDS, *links):
        if all(k + m < len(units) and units[k + m].value == w for m, w in enumerate(hold)):
            return len(hold)
    return 0


def _digit_runs(units: Sequence[Unit]) -> list[list[list[int]]]:
    """Indexes of "num" units that read as one spoken digit string (fillers may sit between),
    cut into parts where the speaker corrected themselves ("…, sorry, …") or held on."""
    runs: list[list[list[int]]] = []
    current: list[list[int]] = []
    restart = False
    skip_to = 0
    for k, unit in enumerate(units):
        if k < skip_to:
            continue
        hold = _hold_at(units, k, current) if current and unit.kind != "num" else 0
        if hold and k + hold < len(units) and units[k + hold].kind in ("num", "filler"):
            if units[k + hold].value == units[current[0][0]].value:
                runs.append(current)  # "06 39 98 euh attendez 06 39 98 …": said anew
                current, restart = [], False
            else:
                restart = True  # "0131 496 0, hang on, 274": goes on where it stopped
            skip_to = k + hold
            continue
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


def _classify(
    digits: str,
    plus: bool,
    phone_context: bool,
    language: str,
    device: bool = False,
    announced: bool = True,
) -> str | None:
    if is_nir(digits) and not device:
        return NIR  # "l'imei c'est …": fifteen digits that pass the NIR key are still a device's
    if is_card(digits) and not device:
        return CARD
    if phone_context and not device and is_phone(digits, plus, language, announced):
        return PHONE
    return None


def scan_numbers(units: Sequence[Unit], language: str) -> list[_Found]:
    """Phone, card and NIR numbers: every whole-group window of a digit run, validated."""
    chosen: list[_Found] = []
    for parts in _digit_runs(units):
        found: list[tuple[int, int, _Found]] = []
        phone_context = (
            _phone_context(units, parts[0][0]) and _announcer(units, parts[0][0]) != "transaction"
        )
        # "l'imei c'est …": a device's number, Luhn-checked like a card (the id scanner's)
        device = any(
            _bare(u.value) in DEVICE_ID_WORDS
            for u in units[max(0, parts[0][0] - CONTEXT_WINDOW) : parts[0][0]]
        )
        announced = _announced_phone(units, parts[0][0])
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
                    entity = _classify(
                        digits, first.plus or spoken_plus, phone_context, language, device,
                        announced,
                    )  # fmt: skip
                    if entity:
                        hi = units[run[b]].hi
                        start = lo if entity == PHONE else first.lo
                        found.append((len(digits), PRIORITY[entity], _Found(start, hi, entity)))
        in_run = _non_overlapping(found)
        digits_in_run = sum(len(units[k].value) for run in parts for k in run)
        if (
            not in_run
            and phone_context
            and not device
            and digits_in_run >= MIN_GARBLED_DIGITS
            and _announced_phone(units, parts[0][0])
            and not _looks_like_date([units[k].value for run in parts for k in run])
        ):
            # A number read out after "mon portable c'est…" that ASR garbled: redact it anyway.
            in_run = [_Found(units[parts[0][0]].lo, units[parts[-1][-1]].hi, PHONE)]
        every = "".join(units[k].value for run in parts for k in run)
        if not device and (
            phone_loop(every, language) or (phone_context and echoed_phone(every, language))
        ):
            # Whisper's loop: one phone number written two or three times over (a window of it
            # passing Luhn or the NIR key is chance: the repeated phone is the evidence)
            in_run = [_Found(units[parts[0][0]].lo, units[parts[-1][-1]].hi, PHONE)]
        elif (
            phone_context
            and not device
            and len(parts) == 1
            and all(f.entity == PHONE for f in in_run)  # a card or a NIR keeps its own reading
            and (restarted_phone(every, language) or read_back_phone(every, language))
        ):
            # false starts before the phone are its own digits ("oh seven seven, oh seven …"),
            # and so is a group read back inside it ("… nine oh oh nine oh oh? yes one two …")
            in_run = [_Found(units[parts[0][0]].lo, units[parts[-1][-1]].hi, PHONE)]
        elif (
            phone_context
            and not device
            and len(parts) == 1
            and all(f.entity == PHONE for f in in_run)
            and phone_one_over(every, language)
        ):
            # a phone said with one digit too many: the whole run is the phone
            in_run = [_Found(units[parts[0][0]].lo, units[parts[-1][-1]].hi, PHONE)]
        if len(parts) > 1:
            # A corrected number: the restart replaces the end of what came before
            # ("oh seven seven oh oh nine oh oh, sorry, nine oh oh eight two one").
            restarted = _restarted(units, parts)
            entity = (
                in_run[0].entity
                if in_run
                else (None if restarted else _repaired(units, parts, phone_context, language))
            )
            if (
                not entity
                and restarted
                and phone_context
                and not device
                and sum(len(units[k].value) for k in parts[-1]) >= MIN_RESTARTED_ID_DIGITS
                and not _counted_around(units, parts)
                and _said_as_itself(units, parts[0][0])
            ):
                entity = ID  # a number dictated, broken off and said again from its start
            if entity:
                lo = min([units[parts[0][0]].lo, *(f.lo for f in in_run)])
                in_run = [_Found(lo, units[parts[-1][-1]].hi, entity)]
        chosen += in_run
    return chosen


#: Digits a number said again from its start must have to be taken for an identifier.
MIN_RESTARTED_ID_DIGITS = 5
#: Words around a number that make it a quantity, a reading, a price or a postcode, not an
#: identifier.
_COUNTED = {
    "reading", "readings", "relevé", "index", "kwh", "kilowatt", "kilowatts", "units", "unités",
    "pounds", "pound", "quid", "euros", "euro", "pence", "cents", "£", "€",
    "balance", "solde", "montant", "amount", "total", "price", "prix",
    # a postcode said again is the address scanner's: "code postal c'est 35 590 euh non 35 570"
    "postal", "postcode", "postcode's", "zip", "zipcode",
}  # fmt: skip


def _restarted(units: Sequence[Unit], parts: Sequence[list[int]]) -> bool:
    """The last part after a repair says the number again from its start (round 15): "quatre
    un deux pardon quatre un trois …" (two digits in common), "six one no six two five oh
    nine" (a short false start whose first digit opens a longer restart). Not a repair that
    goes on where it stopped ("020 7946, sorry, 0815")."""
    head = "".join(units[k].value for k in parts[-2])
    tail = "".join(units[k].value for k in parts[-1])
    if len(head) >= 2 and tail[:2] == head[:2]:
        return True
    # hundreds said in words open both ("quatre cent, non attendez, quatre cent soixante …",
    # "trois cent quatre … trois cent quarante …"; round 17): the restart says the same
    # hundreds word first, so its first number has the same size and leading digit
    first, again = units[parts[-2][0]].value, units[parts[-1][0]].value
    if len(first) >= 3 and len(again) == len(first) and again[0] == first[0] > "0":
        return len(tail) > len(head)
    # a round hundred broken off and its hundreds corrected ("le six cent non pardon sept cent
    # douze …"; round 18): the restart is a number of the same size that goes on
    if len(parts[-2]) == 1 and re.fullmatch(r"[1-9]00", first) and len(again) == 3:
        return again[0] != "0" and len(tail) > len(head)
    return len(head) <= 2 and tail[:1] == head[:1] and len(tail) > len(head) + 2


#: A pronoun's copula right before a restarted number: the number is given as itself ("it's
#: …", "c'est …"), not announced by a noun that may name a listing or an order ("the listing's
#: …", "the order is …"), whose number stays (privacy.md, identifiers).
_PRONOUN_COPULAS = {"it's", "c'est", "that's", "c'était", "it", "is", "was"}
#: The article a number may take after the copula ("c'est le 4 …").
_NUMBER_ARTICLES = {"le", "la", "l'", "the"}


def _said_as_itself(units: Sequence[Unit], start: int) -> bool:
    k = start - 1
    while k >= 0 and units[k].kind == "filler":
        k -= 1
    if k > 0 and units[k].value in _NUMBER_ARTICLES:
        k -= 1  # "c'est le …", "it's the …"
    if k < 0 or units[k].value not in _PRONOUN_COPULAS:
        return False
    if units[k].value in ("is", "was"):
        return k > 0 and units[k - 1].value in ("it", "that")  # "it is", "that was"
    return True


def _counted_around(units: Sequence[Unit], parts: Sequence[list[int]]) -> bool:
    lo, hi = parts[0][0], parts[-1][-1]
    near = units[max(0, lo - CONTEXT_WINDOW) : lo] + units[hi + 1 : hi + 3]
    return any(u.value in _COUNTED for u in near)


def _repaired(
    units: Sequence[Unit], parts: Sequence[list[int]], phone_context: bool, language: str
) -> str | None:
    for before, after in itertools.pairwise(parts):
        head = [units[k].value for k in before]
        tail = [units[k].value for k in after]
        plus = units[before[0]].plus
        # keep every group said before the correction too: "020 7946, sorry, 0815" goes on
        # where it stopped rather than restarting
        for keep in range(len(head) + 1):
            for end in range(1, len(tail) + 1):
                digits = "".join(head[:keep] + tail[:end])
                if len(digits) > 19:
                    break
                entity = _classify(digits, plus, phone_context, language)
                if entity:
                    return entity
    return None


def _phone_context(units: Sequence[Unit], start: int) -> bool:
    """False when the words before a digit string say it is an order, case, tracking … number.

    The look-back stops at another number (which owns the words before it), and a digit string
    glued to an alphanumeric code ("aa1 01 2345 6784", "6 a 12 345") is part of that code.
    """
    if start > 0 and _CODE_RE.fullmatch(units[start - 1].value):
        return False
    if start > 1 and len(units[start - 1].value) == 1 and units[start - 2].kind == "num":
        return False  # a code spelled out: "6 a 12 345 678 901"
    for k in range(start - 1, max(-1, start - CONTEXT_WINDOW - 1), -1):
        unit = units[k]
        if unit.kind == "num":
            break
        if unit.value.split("-")[0] in _CALL_ME:
            return True  # "pour mon dossier rappelez-moi au 06 …": the nearer words decide
        if _bare(unit.value) in NOT_PHONE_CONTEXT:
            # "the phone number on the account", "le numéro de téléphone du compte"
            near = units[max(0, k - CONTEXT_WINDOW) : k]
            return any(_bare(u.value) in _PHONE_NOUNS for u in near)
    return True


#: Verbs asking to be called back, said right before the number ("rappelez-moi au …", "call me
#: on …"): nearer than a word naming a file or an order, they make the number a phone number.
_CALL_ME = {"rappelez", "rappelle", "rappeler", "joindre", "rejoindre", "joignable", "call",
            "ring", "reach", "text", "phone", "texter"}  # fmt: skip
#: Words that make a number a phone number even when "account"/"compte" follows them.
_PHONE_NOUNS = {"phone", "téléphone", "telephone", "mobile", "portable", "landline", "fixe"}


def _looks_like_date(groups: Sequence[str]) -> bool:
    """ "12 03 2024": day, month, year."""
    if len(groups) != 3 or len(groups[2]) != 4:
        return False
    day, month, year = (int(g) for g in groups)
    return 1 <= day <= 31 and 1 <= month <= 12 and 1900 <= year <= 2099


def _bare(word: str) -> str:
    """The word without an elided article: "d'abonné" -> "abonné"."""
    return word.split("'", 1)[1] if re.match(r"^[a-z]['’]", word) else word


def _announcer(units: Sequence[Unit], start: int) -> str | None:
    """ "phone", "transaction" or None: what the nearest naming words before a number say it is,
    looking back ``PHONE_CONTEXT_WINDOW`` units with no other number between.

    A word naming a transaction reference ("le numéro de commande sur le site c'est le 4471
    0928", "the case number they gave me is …") makes the number that reference, which stays
    (privacy.md, identifiers), unless a phone noun is bound to it ("mon portable pour le
    dossier") or a call-me verb or a phone word comes nearer ("pour la commande rappelez-moi
    au …"). "numéro"/"number" right after a transaction word is the transaction's."""
    window = units[max(0, start - PHONE_CONTEXT_WINDOW) : start]
    for k in range(len(window) - 1, -1, -1):
        unit = window[k]
        if unit.kind == "num":
            return None
        word = _bare(unit.value)
        if word.split("-")[0] in _CALL_ME:
            return "phone"
        if word in TRANSACTION_WORDS:
            near = window[max(0, k - CONTEXT_WINDOW) : k]
            bound = any(_bare(u.value) in _PHONE_NOUNS for u in near)
            return "phone" if bound else "transaction"
        if word in PHONE_CONTEXT:
            if k > 0 and _bare(window[k - 1].value) in TRANSACTION_WORDS:
                return "transaction"  # "the case number …", "order number"
            return "phone"
    return None


def _announced_phone(units: Sequence[Unit], start: int) -> bool:
    """A phone word ("portable", "number", …) shortly before, with no other number between and
    no transaction word nearer (``_announcer``)."""
    return _announcer(units, start) == "phone"


def _non_overlapping(found: list[tuple[int, int, _Found]]) -> list[_Found]:
    """Longest candidates first, so "06 39 98 12 34" is one phone, not a shorter window of it."""
    chosen: list[_Found] = []
    for _, _, f in sorted(found, key=lambda x: (-x[0], -x[1], x[2].lo)):
        if all(f.hi <= c.lo or f.lo >= c.hi for c in chosen):
            chosen.append(f)
    return chosen


def _letter_o(tokens: Sequence[Token], units: Sequence[Unit], m: int) -> bool:
    """Unit ``m`` is a lone "o" said between two single letters: the letter, not zero."""
    u = units[m]

    def letter(k: int) -> bool:
        return 0 <= k < len(units) and units[k].kind == "word" and len(units[k].value) == 1

    return (
        u.kind == "num" and u.hi - u.lo == 1 and tokens[u.lo].text == "o"
        and letter(m - 1) and letter(m + 1)
    )  # fmt: skip


def scan_ibans(tokens: Sequence[Token], units: Sequence[Unit]) -> list[_Found]:
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
        chars = alt = ""
        ends: list[tuple[int, str, str]] = []
        for m in range(start, len(units)):
            u = units[m]
            if u.kind == "filler":
                continue
            if u.kind == "num" or (u.kind == "word" and _ALNUM_RE.fullmatch(u.value)):
                piece = u.value
            else:
                break
            chars += piece
            # the letter o between two letters of the bank's code, heard as zero ("l o y d";
            # round 16): the other reading is tried too
            alt += "o" if _letter_o(tokens, units, m) else piece
            if len(chars) > 34:
                break
            ends.append((u.hi, chars, alt))
        for hi, compact, other in reversed(ends):
            if (
                len(compact) >= 15
                and compact[:2].isalpha()
                and (std_iban.is_valid(compact) or (other != compact and std_iban.is_valid(other)))
            ):
                found.append((len(compact), PRIORITY[IBAN], _Found(unit.lo, hi, IBAN)))
                break
    return _non_overlapping(found)


#: tldextract from its bundled snapshot only: no suffix-list URL, no cache folder, no network.
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def is_domain(domain: str) -> bool:
    if "." not in domain or domain.startswith(".") or domain.endswith("."):
        return False
    parts = _TLD(domain)
    return bool(parts.suffix) and bool(parts.domain)


#: Acknowledgements or hesitations between a written local part and the spoken "at".
_HELD_BEFORE_AT = {"oui", "ouais", "yeah", "yes", "yep", "mm", "euh", "uh", "um", "erm"}
#: A local part as ASR writes it in one token: letters with a dot, an underscore or digits.
_LOCAL_SHAPE = re.compile(r"(?=.*[._\d])[a-z][a-z0-9._-]*[a-z0-9]")


#: "at" as ASR mishears it ("priya dot raman add hotmail dot com"): an "at" only after a local
#: part spoken with a joiner ("dot", "point", "underscore") or written with one.
_MISHEARD_AT = {"add", "ad", "hat", "had", "ate"}


def _spoken_local_before(tokens: Sequence[Token], k: int) -> bool:
    before = [t.text for t in tokens[max(0, k - 4) : k]]
    return bool(
        before
        and (
            any(w in _JOIN and w not in {"du", "bas"} for w in before[-3:-1])
            or _LOCAL_SHAPE.fullmatch(before[-1])
        )
    )


#: Top-level domains as ASR writes them when said aloud ("point nette"; round 17: "dot calm").
_TLD_HEARD = {"nette": "net", "ette": "net", "èfère": "fr", "effère": "fr", "orgue": "org",
              "calm": "com", "come": "com"}  # fmt: skip
#: At most this many letters spell a label after a dot ("point f r", "dot c o m").
_SPELLED_LABEL = 4


def scan_spoken_emails(tokens: Sequence[Token]) -> list[_Found]:
    """ "jean point dupont arobase exemple point fr", "john dot smith at example dot co dot uk"."""
    found: list[_Found] = []
    n = len(tokens)
    for k, tok in enumerate(tokens):
        if k == 0 or k + 1 >= n:
            continue
        misheard = tok.text in _MISHEARD_AT and _spoken_local_before(tokens, k)
        if tok.text == "robase" and tokens[k - 1].text in ("a", "à") and k >= 2:
            misheard, k = True, k - 1  # "a robase", "à robase": "arobase" cut in two
        if tok.text not in _AT and not misheard:
            continue
        at_hi = k + 2 if tokens[k].text in ("a", "à") and misheard else k + 1
        # Domain: one or two words, then (joiner word)*; the longest prefix with a real suffix wins.
        domain = ""
        best_hi = None
        m = at_hi
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
                # a label said in words with its hyphens dropped ("etu point univ lyon deux
                # point fr"), while no domain is whole yet; before the first dot, two words
                if "." in domain and (best_hi is not None or word in _LOCAL_STOP):
                    break
                if words_before_dot >= 2:
                    break
                words_before_dot += 1
                domain += "-" if "." in domain else ""
            after_dot = domain.endswith(".")
            if after_dot:
                words_before_dot = 0
            label, said = word, 1
            if after_dot and len(word) == 1 and word.isalpha():
                # a label spelled letter by letter ("point f r", "dot c o m")
                while (
                    m + said < n
                    and said < _SPELLED_LABEL
                    and len(tokens[m + said].text) == 1
                    and tokens[m + said].text.isalpha()
                ):
                    label += tokens[m + said].text
                    said += 1
            domain += _TLD_HEARD.get(label, label) if after_dot else label
            m += said
            if is_domain(domain):
                best_hi = m
            elif after_dot and m < n and best_hi is None:
                # "gmail dot con com": the last label said again, repaired, with no "dot"
                repaired = domain.rsplit(".", 1)[0] + "." + tokens[m].text
                if tokens[m].text not in _DOT and is_domain(repaired):
                    best_hi = m + 1
                    break
        if best_hi is None:
            continue
        # Local part, read backwards: joined pieces freely, plain words up to a stop word.
        lo = k - 1
        while lo > 0 and tokens[lo].text in _HELD_BEFORE_AT and tokens[lo - 1].text in _AT:
            lo -= 2  # "fournet arobase uh at orange …": the "at" said in both languages
        if tokens[lo].text.endswith("'s"):
            continue
        if (
            tokens[lo].text in _HELD_BEFORE_AT
            and lo > 0
            and _LOCAL_SHAPE.fullmatch(tokens[lo - 1].text)
            and tokens[lo - 1].text not in _LOCAL_STOP
        ):
            lo -= 1  # "zoé.martin12 oui arobase …": the agent's "oui" before the caller goes on
        # a stop word right after a joiner is a piece of the local part ("tom dot in at …",
        # "x point et arobase …"; issue 22, round 11), not the end of a sentence
        joined = lo >= 2 and tokens[lo - 1].text in _DOT and tokens[lo - 2].text not in _AT
        if (tokens[lo].text in _LOCAL_STOP and not joined) or tokens[lo].text in _JOIN:
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
                or prev.endswith("'s")  # "my email's priya dot raman …"
                or prev in _AT
                or "@" in prev
                or tokens[lo - 1].pause  # "c'est jean-pierre, jean-pierre point martin …"
                or plain >= _MAX_LOCAL_WORDS
            ):
                break
            lo -= 1
            # "eighty four" is one piece of the address, like "84".
            if not (is_number_word(prev) and is_number_word(tokens[lo + 1].text)):
                plain += 1
        found.append(_Found(lo, best_hi, EMAIL))
    return found


#: First labels of a host name that are a web address, not an e-mail glued by ASR.
_HOST_LABELS = {
    "www", "m", "app", "apps", "my", "mon", "espace", "client", "clients", "support", "help",
    "aide", "shop", "store", "boutique", "mail", "webmail", "portal", "portail", "login", "fr",
    "en", "uk", "api", "static", "news", "blog", "assistance", "service", "services",
}  # fmt: skip
#: The e-mail providers callers name most, for an "at" glued into the domain.
_PROVIDERS = (
    "gmail", "hotmail", "outlook", "yahoo", "orange", "free", "sfr", "laposte", "wanadoo",
    "icloud", "live", "btinternet", "sky", "aol", "protonmail", "gmx", "msn", "neuf", "bbox",
)  # fmt: skip
#: A provider as heard after a swallowed "at": whole, or without its first letter ("adutlook").
_PROVIDER_FORMS = tuple(sorted({p for name in _PROVIDERS for p in (name, name[1:]) if len(p) >= 3}))
_GLUED_RE = re.compile(r"[a-z0-9][a-z0-9._-]*(?:\.[a-z]{2,})+")


def scan_glued_emails(tokens: Sequence[Token]) -> list[_Found]:
    """An e-mail that ASR wrote as one token with the "at" swallowed or misheard:
    "tom.bakeradremple.com", "j.walkerathotmail.co.uk", "jeanarobasegmail.com".

    A host name whose first label is a name ("tom." in "tom.bakeradremple.com") is an address,
    since web sites callers name start with "www." or a service word; without a first label, the
    domain must hold "arobase", or "at"/"ad" right before a known provider.
    """
    found = []
    for k, tok in enumerate(tokens):
        word = tok.text
        if "@" in word or not _GLUED_RE.fullmatch(word):
            continue
        parts = _TLD(word)
        if not parts.suffix or not parts.domain:
            continue
        first = parts.subdomain.split(".")[0] if parts.subdomain else ""
        glued_at = "arobase" in parts.domain or any(
            re.search(rf"..(?:at|ad){p}$", parts.domain) for p in _PROVIDER_FORMS
        )
        named = first and (first not in _HOST_LABELS or len(first) == 1) and not first.isdigit()
        if named or glued_at or "_" in word:
            found.append(_Found(k, k + 1, EMAIL))
    return found
