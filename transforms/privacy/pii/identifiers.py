"""Customer, account, contract, policy and meter identifiers, read out or typed.

A caller reads an identifier as Whisper then writes it: "GX552819", "G X, 552, 819",
"g x five five two eight one nine", "VM-482-119", "NW 447 1920". The scanner joins such pieces
(letters, digit groups, number words, "double"/"triple") into one compact string and calls it an
identifier when

1. it is a whole match of one of the tenant's registered patterns (``pii_id_patterns`` in the
   tenant registry, e.g. ``GX[0-9]{6}``), or
2. a word naming a customer identifier comes shortly before ("numéro client", "account number",
   "contrat", "compteur", "policy", "membership", "identifiant") with no word naming a transaction
   reference nearer ("commande", "order", "ticket", "dossier", "tracking", "serial"), and it holds
   at least five digits (or two letters and four digits), or
3. with no such word, it is code-shaped: letters first, then at least five digits; or a run of at
   least eight digits that is not a phone number nor a date.

Order, ticket, case, tracking and invoice numbers identify a transaction, not a person, and stay:
reviewers follow a case by them (a tenant that wants them redacted registers their pattern).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from stdnum import iban as std_iban
from stdnum import luhn

from transforms.privacy.pii.entities import CARD, IBAN, ID
from transforms.privacy.pii.people import Found, is_name_word
from transforms.privacy.pii.tokens import Token, Unit
from transforms.privacy.pii.validators import is_phone

#: Words that name a phone number: a phone-valid number after them is a phone, not an id
#: ("le numéro de téléphone du compte").
_PHONE_WORDS = {"téléphone", "telephone", "phone", "portable", "mobile", "fixe", "landline", "tel",
                "tél", "joindre", "reach", "rappeler", "call"}  # fmt: skip

#: Words naming an identifier of the customer, their contract, account, policy or meter.
ID_CONTEXT = {
    "client", "cliente", "customer", "account", "compte", "contrat", "contract", "abonné",
    "abonnée", "abonnement", "subscriber", "adhérent", "adhérente", "member", "membership",
    "police", "policy", "compteur", "meter", "pdl", "prm", "mpan", "mprn", "identifiant", "id",
    "login", "sociétaire", "assuré", "matricule", "licence", "license", "passport", "passeport",
}  # fmt: skip
#: Words naming a transaction reference (not redacted), or a number that is something else.
NOT_ID_CONTEXT = {
    "order", "commande", "ticket", "case", "dossier", "tracking", "suivi", "colis", "parcel",
    "serial", "série", "réclamation", "complaint", "sinistre", "claim", "invoice", "facture",
    "article", "product", "produit", "modèle", "model", "version", "flight", "vol", "siret",
    "siren", "reference", "référence", "ref", "sort", "depuis", "since", "opened", "ouvert",
    "signé", "signed",
}  # fmt: skip
#: Reference words that name a thing the customer holds when an identifier word is bound to
#: them ("meter serial", "numéro de série du compteur", "contract reference").
_OWNED_REFERENCES = {"serial", "série", "reference", "référence", "ref"}
#: "référence client", "customer reference": the identifier word wins over "référence".
CONTEXT_WINDOW = 8
#: Words after which a value names a payment card or an IBAN even when ASR broke its checksum.
CARD_CONTEXT = {"carte", "card", "cb", "visa", "mastercard"}
IBAN_CONTEXT = {"iban", "rib", "bancaires", "bank"}
_SPELL_LINKS = {"comme", "for", "dans", "as", "in"}
_REPEAT = {"double": 2, "triple": 3}
#: Short words that are words, not the letters of an identifier ("le 12", "au 14").
_COMMON_SHORT = {"le", "la", "les", "au", "aux", "de", "du", "des", "un", "une", "et", "ou",
                 "à", "en", "on", "in", "at", "to", "the", "is", "it", "of", "and", "or", "by",
                 "est", "sur", "par", "pour", "avec", "its", "was", "are", "be", "mon", "ma",
                 "my", "vos", "nos", "his", "her", "our", "for", "sa", "ses", "ces", "il",
                 "elle", "we", "you", "up", "no", "non", "oui", "yes", "so", "ok", "bis",
                 "ter", "vol", "ba", "af"}  # fmt: skip
_CURRENCY = {"euros", "euro", "pounds", "pound", "€", "£", "dollars", "centimes", "pence", "p"}


@dataclass(frozen=True)
class _Piece:
    lo: int  # unit index
    hi: int
    text: str  # upper-case letters and digits


def _pieces(units: Sequence[Unit], tokens: Sequence[Token]) -> list[list[_Piece]]:
    """Runs of pieces that may be one identifier read out (fillers skipped inside a run)."""
    runs: list[list[_Piece]] = []
    current: list[_Piece] = []
    k = 0
    while k < len(units):
        u = units[k]
        value = u.value
        piece = None
        if u.kind == "num":
            piece = _Piece(k, k + 1, value)
        elif u.kind == "word":
            compact = re.sub(r"[-./]", "", value)
            nxt = units[k + 1] if k + 1 < len(units) else None
            if (
                re.fullmatch(r"[a-z]{2,3}", compact)
                and not re.search(r"[aeiouy]", compact)  # "nw", "qv": letters, not a word
                and nxt is not None
                and nxt.kind == "num"
                and compact not in _COMMON_SHORT
                and not is_name_word(compact)
            ):
                piece = _Piece(k, k + 1, compact.upper())
            if (
                value in _REPEAT
                and k + 1 < len(units)
                and re.fullmatch(r"[a-z]", units[k + 1].value)
            ):
                piece = _Piece(k, k + 2, units[k + 1].value.upper() * _REPEAT[value])
            elif (
                piece is None
                and re.fullmatch(r"[a-z0-9]{1,20}", compact)
                and (len(compact) == 1 or re.search(r"\d", compact))
            ):
                piece = _Piece(k, k + 1, compact.upper())
        elif u.kind == "filler" and current:
            k += 1
            continue
        if piece is None:
            if current:
                runs.append(current)
            current = []
            k += 1
            continue
        # a single letter is a letter, not "a"/"à" the word, only next to another piece
        current.append(piece)
        k = piece.hi
    if current:
        runs.append(current)
    return runs


def _context(tokens: Sequence[Token], start: int) -> str | None:
    """ "id", "not_id" or None: the nearest naming word before token ``start``."""
    for i in range(start - 1, max(-1, start - CONTEXT_WINDOW - 1), -1):
        word = tokens[i].text
        bare = word.split("'", 1)[1] if re.match(r"^[a-z]'", word) else word
        if bare in ID_CONTEXT:
            return "id"
        if bare in ("reference", "référence", "ref") and any(
            t.text in ("client", "customer") for t in tokens[max(0, i - 1) : i + 2]
        ):
            return "id"
        if bare in NOT_ID_CONTEXT:
            # "meter serial", "numéro de série du compteur": a reference word bound to a word
            # naming the customer's meter, account or contract (a noun compound, either order)
            # names that thing, which identifies the customer
            if bare in _OWNED_REFERENCES and any(
                t.text in ID_CONTEXT
                for t in (*tokens[max(0, i - 2) : i], *tokens[i + 1 : min(i + 4, start)])
            ):
                return "id"
            return "not_id"
    return None


@lru_cache(maxsize=256)
def compile_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


def _letters(s: str) -> int:
    return sum(c.isalpha() for c in s)


def scan_identifiers(
    tokens: Sequence[Token], units: Sequence[Unit], language: str, patterns: Sequence[str] = ()
) -> list[Found]:
    found: list[Found] = []
    compiled = compile_patterns(tuple(patterns))
    for run in _pieces(units, tokens):
        # 1. the tenant's patterns, on any whole pieces of the run
        matched = False
        for a in range(len(run)):
            compact = ""
            for b in range(a, len(run)):
                compact += run[b].text
                if len(compact) > 24:
                    break
                if any(p.fullmatch(compact) for p in compiled):
                    found.append(Found(units[run[a].lo].lo, units[run[b].hi - 1].hi, ID))
                    matched = True
                    break
        if matched:
            continue
        # drop lone letters at the edges that are words ("a", "y", "à")
        while (
            run
            and len(run[0].text) == 1
            and run[0].text.isalpha()
            and (len(run) == 1 or (not run[1].text[:1].isalpha() and len(run) < 2))
        ):
            run = run[1:]
        while len(run) > 1 and len(run[-1].text) == 1 and run[-1].text.isalpha():
            run = run[:-1]  # "… 189 a été rejeté": the word "a", not a letter of the id
        if not run:
            continue
        compact = "".join(p.text for p in run)
        lo, hi = units[run[0].lo].lo, units[run[-1].hi - 1].hi
        if hi < len(tokens) and tokens[hi].text in _CURRENCY:
            continue
        if _payment(compact) or any(units[p.lo].plus for p in run):
            continue
        if lo > 0 and tokens[lo - 1].text == "plus":
            continue
        context = _context(tokens, lo)
        digits, letters = _digits(compact), _letters(compact)
        window = {t.text for t in tokens[max(0, lo - CONTEXT_WINDOW) : lo]}
        if compact.isdigit() and window & _PHONE_WORDS:
            continue  # "the phone number on the account?": the phone scanner's to judge
        if context == "id":
            login = len(run) == 1 and re.fullmatch(r"[A-Z]{2,}\d{2,}|\d{2,}[A-Z]{2,}", compact)
            if digits >= 5 or (letters >= 2 and digits >= 4) or (login and len(compact) >= 5):
                found.append(Found(lo, hi, ID))  # "mon identifiant c'est dupont75" too
            continue
        if context == "not_id":
            continue
        code = re.fullmatch(r"[A-Z]{2,4}\d{5,}[A-Z]?", compact)
        if code and letters >= 2 and digits >= 5:
            found.append(Found(lo, hi, ID))
            continue
        # "twenty twenty three, nineteen ninety-nine": years, said whole or in two halves
        years = any(re.fullmatch(r"(19|20)\d\d", p.text) for p in run) or any(
            re.fullmatch(r"(19|20)\d\d", a.text + b.text) for a, b in itertools.pairwise(run)
        )
        if (
            compact.isdigit()
            and digits >= 8
            and not years
            and not is_phone(compact, False, language)
            and not _date_like(compact)
        ):
            found.append(Found(lo, hi, ID))
    return found


def _payment(compact: str) -> bool:
    """A valid IBAN or card number: those recognizers own it."""
    if re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact) and std_iban.is_valid(compact):
        return True
    return compact.isdigit() and 13 <= len(compact) <= 19 and luhn.is_valid(compact)


def _date_like(digits: str) -> bool:
    return bool(re.fullmatch(r"(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])(19|20)\d\d", digits))


def scan_announced_payment(tokens: Sequence[Token], units: Sequence[Unit]) -> list[Found]:
    """A card or IBAN read after "carte"/"card"/"iban"/"rib" whose checksum ASR broke: at least
    twelve digits (a card) or a country code and fourteen characters (an IBAN)."""
    found = []
    for run in _pieces(units, tokens):
        lo, hi = units[run[0].lo].lo, units[run[-1].hi - 1].hi
        compact = "".join(p.text for p in run)
        before = {t.text for t in tokens[max(0, lo - 6) : lo]}
        if before & IBAN_CONTEXT and re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
            found.append(Found(lo, hi, IBAN))
        elif before & CARD_CONTEXT and compact.isdigit() and 12 <= len(compact) <= 19:
            found.append(Found(lo, hi, CARD))
    return found
