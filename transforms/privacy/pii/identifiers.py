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

Logins, usernames and handles (``scan_logins``) are identifiers too: a value after a login cue
in any of its dictated forms, a handle by its written shape, a value with digits the caller says
how to type ("… all lower case"), and each said again in another form.
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
from transforms.privacy.pii.first_names import common_words, common_words_of, known_name
from transforms.privacy.pii.people import Found, is_name_word
from transforms.privacy.pii.stop_words import EN_STOP as _EN_STOP
from transforms.privacy.pii.stop_words import FR_STOP as _FR_STOP
from transforms.privacy.pii.tokens import WORD_LETTERS as _WORD_LETTERS
from transforms.privacy.pii.tokens import Token, Unit, is_number_word_in
from transforms.privacy.pii.validators import (
    DEVICE_ID_WORDS,
    PHONE_CONTEXT,
    is_phone,
    phone_loop,
    phone_one_over,
    read_back_phone,
    restarted_phone,
)

#: Words that name a phone number: a phone-valid number after them is a phone, not an id
#: ("le numéro de téléphone du compte").
_PHONE_WORDS = {"téléphone", "telephone", "phone", "portable", "mobile", "fixe", "landline", "tel",
                "tél", "joindre", "reach", "rappeler", "call", "cell", "cellulaire", "rejoindre",
                "rappelez", "texter", "text"}  # fmt: skip

#: Words naming an identifier of the customer, their contract, account, policy or meter.
ID_CONTEXT = {
    "client", "cliente", "customer", "account", "compte", "contrat", "contract", "abonné",
    "abonnée", "abonnement", "subscriber", "adhérent", "adhérente", "member", "membership",
    "police", "policy", "compteur", "meter", "pdl", "prm", "mpan", "mprn", "nmi", "mirn",
    "identifiant", "id",
    "login", "sociétaire", "assuré", "matricule", "licence", "license", "passport", "passeport",
    "imei", "tatoué", "tatouée", "tatouage", "tattoo", "tattooed", "puce", "pucé", "pucée",
    "microchip", "microchipped", "transpondeur", "tenancy", "lease", "bail", "mandat", "mandate",
    "debit",
    # national numbers by their names, a closed class: Swiss AVS/AHV, Irish PPS(N), British NI
    "avs", "ahv", "pps", "ppsn",
    # and tax numbers by theirs (a closed class: a tax office's number for a person): the French
    # numéro fiscal, the British UTR, a taxpayer or tax id anywhere
    "fiscal", "fiscale", "utr", "taxpayer", "tin",
}  # fmt: skip
#: People (and households) a number is issued to: with "numéro"/"number" bound to them ("numéro
#: d'élève", "numéro de famille", "student number", "patient number") the number identifies
#: that person, like "numéro client". A closed class of holder nouns; alone they name no number
#: ("ma famille", "the patient").
_HOLDER_NOUNS = {
    "élève", "eleve", "étudiant", "étudiante", "famille", "patient", "patiente", "allocataire",
    "bénéficiaire", "usager", "locataire", "student", "pupil", "family", "tenant", "resident",
    "household", "borrower", "emprunteur", "membre",
    # the people an employer or a body numbers (issue 22, round 13): "employee number", "numéro
    # de salarié", "staff number", "payroll number", "numéro de paie", "donor number"
    "employee", "employé", "employée", "salarié", "salariée", "staff", "payroll", "paie",
    "personnel", "worker", "donor", "donateur", "donatrice", "voter", "électeur", "électrice",
    # and "resident"'s French forms, and the traveller an airline numbers (round 17: "le numéro
    # de résident c'est r …", "the frequent flyer number is …")
    "résident", "résidente", "flyer", "flier", "voyageur", "voyageuse",
    # and the people a club, a federation or an event enrols (round 19: "rider number", "numéro
    # de cavalier", "numéro de licencié"); not a player, whose number is a shirt's
    "rider", "cavalier", "cavalière", "competitor", "concurrent", "concurrente", "participant",
    "participante", "entrant", "licencié", "licenciée",
}  # fmt: skip
#: Cards a number is bound to ("numéro de carte", "card number"), and the words that make one
#: a payment card (left to the card scanner) or a SIM card (a phone's number).
_CARD_NOUNS = {"carte", "card"}
_PAYMENT_CARD_WORDS = {"bancaire", "bleue", "crédit", "credit", "débit", "debit", "visa",
                       "mastercard", "paiement", "payment", "bank",
                       # and a SIM card, whose number is a phone's
                       "sim", "esim"}  # fmt: skip
_NUMBER_NOUNS = {"numéro", "numero", "n°", "number", "no", "num", "code", "reference", "ref",
                 "référence", "id"}  # fmt: skip
#: Words naming a transaction reference (not redacted), or a number that is something else.
NOT_ID_CONTEXT = {
    "order", "commande", "ticket", "case", "dossier", "tracking", "suivi", "colis", "parcel",
    "serial", "série", "réclamation", "complaint", "sinistre", "claim", "invoice", "facture",
    "article", "product", "produit", "modèle", "model", "version", "flight", "vol", "siret",
    "siren", "reference", "référence", "ref", "sort", "depuis", "since", "opened", "ouvert",
    "signé", "signed", "incident", "tag",
    # a repair or a call-out done for the caller is a transaction too
    "repair", "réparation", "intervention",
    # a survey's, a study's or a campaign's code names the survey, not the person asked; a land
    # registry title names a property (issue 22, round 12; a closed class)
    "survey", "study", "étude", "enquête", "sondage", "campaign", "campagne", "title",
    # a job advertised: its number names the vacancy, not the applicant (round 15)
    "vacancy", "vacancies",
}  # fmt: skip
#: Reference words that name a thing the customer holds when an identifier word is bound to
#: them ("meter serial", "numéro de série du compteur", "contract reference").
_OWNED_REFERENCES = {"serial", "série", "reference", "référence", "ref"}
#: Words naming an object's serial number, and the possessive determiners (a closed class) that
#: make the object the caller's own.
_SERIALS = {"serial", "série"}
_POSSESSIVES = {"mon", "ma", "mes", "notre", "nos", "my", "our"}
#: Equipment a tradesman installs in the customer's home, which they own and whose warranty is
#: registered in their name (issue 22, round 17; a closed class): its serial identifies the
#: household as a meter's does ("le numéro de série de l'onduleur", "the boiler serial"). Not
#: the kit a provider lends (a router, a box: swapped at will, the provider's) nor goods bought
#: in a shop ("un répéteur acheté à la fnac").
_INSTALLATIONS = {"onduleur", "onduleurs", "inverter", "chaudière", "boiler", "chauffe-eau",
                  "cumulus"}  # fmt: skip
#: "référence client", "customer reference": the identifier word wins over "référence".
CONTEXT_WINDOW = 8
#: Words after which a value names a payment card or an IBAN even when ASR broke its checksum.
CARD_CONTEXT = {"carte", "card", "cb", "visa", "mastercard"}
IBAN_CONTEXT = {"iban", "rib", "bancaires", "bank"}
_REPEAT = {"double": 2, "triple": 3, "treble": 3}
_DIGIT_WORDS = {
    "oh": "0", "o": "0", "zero": "0", "zéro": "0", "nought": "0", "one": "1", "two": "2",
    "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "un": "1", "deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "sept": "7", "huit": "8",
    "neuf": "9",
}  # fmt: skip
_REPEATED_DIGIT = re.compile(rf"(?:double|triple|treble)-(?:{'|'.join(_DIGIT_WORDS)})")
#: Short words that are words, not the letters of an identifier ("le 12", "au 14").
_COMMON_SHORT = {"le", "la", "les", "au", "aux", "de", "du", "des", "un", "une", "et", "ou",
                 "à", "en", "on", "in", "at", "to", "the", "is", "it", "of", "and", "or", "by",
                 "est", "sur", "par", "pour", "avec", "its", "was", "are", "be", "mon", "ma",
                 "my", "vos", "nos", "his", "her", "our", "for", "sa", "ses", "ces", "il",
                 "elle", "we", "you", "up", "no", "non", "oui", "yes", "so", "ok", "bis",
                 "ter", "vol", "ba", "af"}  # fmt: skip
_CURRENCY = {"euros", "euro", "pounds", "pound", "€", "£", "dollars", "centimes", "pence", "p"}
#: Dashes and slashes said inside an identifier ("a b tiret quatre …", "k l m dash four …"):
#: they join its pieces when a word naming the customer's identifier announces it (hostnames,
#: quotes and vacancies are said with them too: "p c tiret g r e …", "q t twenty twenty six dash
#: …"; round 17).
_SPOKEN_DASHES = {"tiret", "dash", "hyphen", "slash"}
#: Holds inside one identifier read out: the caller pauses to look ("rj 44, hang on, 0917").
_HOLDS = [("hang", "on"), ("hold", "on"), ("bear", "with", "me"), ("wait",), ("un", "instant"),
          ("un", "moment"), ("attendez",), ("attends",), ("let", "me", "see"),
          ("voyons",)]  # fmt: skip
#: Links by which a caller goes on reading the same identifier after a break ("… et à la fin
#: h h quatre", "… and then 12"): only a tenant's pattern, matched whole, joins across them.
_JOINERS = [("et", "à", "la", "fin"), ("and", "at", "the", "end"), ("à", "la", "fin"),
            ("at", "the", "end"), ("et", "puis"), ("and", "then"), ("puis",), ("then",),
            ("ensuite",), ("et",), ("and",)]  # fmt: skip


@dataclass(frozen=True)
class _Piece:
    lo: int  # unit index
    hi: int
    text: str  # upper-case letters and digits
    tail: bool = False  # a group of letters closing the run ("… 276 gb")
    restart: bool = False  # said right after a repair word ("… sorry, 533")


def _phrase_at(tokens: Sequence[Token], i: int, phrases: Sequence[tuple[str, ...]]) -> int:
    """Length of the first of ``phrases`` said at token ``i``, or 0."""
    for phrase in phrases:
        if i + len(phrase) <= len(tokens) and all(
            tokens[i + m].text == w for m, w in enumerate(phrase)
        ):
            return len(phrase)
    return 0


_ANCHOR_LINKS = [("comme", "dans"), ("comme",), ("for",), ("as", "in"), ("like",)]


def _anchored_letter(tokens: Sequence[Token], units: Sequence[Unit], k: int) -> int | None:
    """The unit after a letter spelled with a word that starts with it ("v comme victor", "b for
    bravo", "m as in mike"), or None."""
    u = units[k]
    if not re.fullmatch(r"[a-z]", u.value):
        return None
    for link in _ANCHOR_LINKS:
        anchor = u.hi + len(link)
        if _phrase_at(tokens, u.hi, [link]) and anchor < len(tokens):
            if tokens[anchor].text[:1] != u.value:
                return None
            return next((m for m in range(k, len(units)) if units[m].lo > anchor), len(units))
    return None


#: Letters that are words alone ("a", "à", "y", "i", "o"): not the opening of an id.
_ONE_LETTER_WORDS = {"a", "y", "i", "o"}


def _confirmed_digit(tokens: Sequence[Token], units: Sequence[Unit], k: int) -> int:
    """The unit after a digit confirmed by itself ("six comme six", "five as in five"; round
    19): the caller spells a digit as they spell a letter, and it is said once; else ``k + 1``."""
    u = units[k]
    if not re.fullmatch(r"\d", u.value):
        return k + 1
    for link in _ANCHOR_LINKS:
        if link == ("for",) or not _phrase_at(tokens, u.hi, [link]):
            continue
        m = next((m for m in range(k + 1, len(units)) if units[m].lo >= u.hi + len(link)), None)
        if m is not None and units[m].lo == u.hi + len(link) and units[m].value == u.value:
            return m + 1
    return k + 1


def _letter_group(compact: str, language: str) -> bool:
    """Two or three letters that are no word: "nw", "qv", and, with a vowel, a group that is no
    word of the call's language nor a name ("oc" in English; in French the lemmatizer's suffix
    rules read "oc" and "pec" as forms of words, so they stay words there)."""
    if not re.fullmatch(r"[a-z]{2,3}", compact) or compact in _COMMON_SHORT:
        return False
    if not re.search(r"[aeiouy]", compact):
        return not is_name_word(compact)
    return compact not in common_words_of(language) and not known_name(compact)


def _bare(word: str) -> str:
    """The word without an elided article: "l'imei" -> "imei"."""
    return word.split("'", 1)[1] if re.match(r"^[a-z]'", word) else word


def _pieces(
    units: Sequence[Unit], tokens: Sequence[Token], language: str = "en", bridge: bool = False
) -> list[list[_Piece]]:
    """Runs of pieces that may be one identifier read out (fillers and holds skipped inside a
    run; with ``bridge``, corrections and links such as "et à la fin" too)."""
    runs: list[list[_Piece]] = []
    current: list[_Piece] = []
    k = 0
    repaired = False
    while k < len(units):
        u = units[k]
        value = u.value
        piece = None
        if current and u.kind != "num":
            # a hold inside a code of letters and digits; a number of digits only that stops
            # and starts again ("06 39 98 euh attendez 06 39 98 45 91") is said anew
            coded = any(p.text[:1].isalpha() for p in current)
            skip = (coded and _phrase_at(tokens, u.lo, _HOLDS)) or (
                bridge and (_phrase_at(tokens, u.lo, _JOINERS) or u.kind == "correction")
            )
            nxt_k = next((m for m in range(k, len(units)) if units[m].lo >= u.lo + skip), None)
            if skip and nxt_k is not None and nxt_k > k:
                repaired = repaired or u.kind == "correction"
                k = nxt_k
                continue
        if (
            current
            and value in _SPOKEN_DASHES
            and k + 1 < len(units)
            and (units[k + 1].kind == "num" or re.fullmatch(r"[a-z]", units[k + 1].value))
            and _context(tokens, units[current[0].lo].lo, language) == "id"
        ):
            k += 1  # "numéro client a b tiret quatre …": a dash said inside the announced id
            continue
        if u.kind == "num":
            piece = _Piece(k, _confirmed_digit(tokens, units, k), value)
        elif u.kind == "word" and _REPEATED_DIGIT.fullmatch(value):
            # "double-oh", "triple-seven" written as one word
            times, digit = value.split("-", 1)
            piece = _Piece(k, k + 1, _DIGIT_WORDS[digit] * _REPEAT[times])
        elif u.kind == "word":
            compact = re.sub(r"[-./]", "", value)
            nxt = units[k + 1] if k + 1 < len(units) else None
            opens = _letter_group(compact, language) or (
                bridge  # a tenant's whole pattern is the evidence: "fam 40 217" opens FAM40217
                and re.fullmatch(r"[a-z]{2,4}", compact) is not None
                and compact not in _COMMON_SHORT
            )
            if opens and nxt is not None and nxt.kind == "num":
                piece = _Piece(k, k + 1, compact.upper())
            elif (
                current
                and current[-1].text.isdigit()
                and re.fullmatch(r"[a-z]{2,3}", compact)
                and compact not in _COMMON_SHORT
            ):
                # letters closing an identifier ("sw 304 881 276 gb"): for a whole pattern only
                piece = _Piece(k, k + 1, compact.upper(), tail=True)
            anchored = _anchored_letter(tokens, units, k)
            if anchored is not None:
                piece = _Piece(k, anchored, value.upper())  # "v comme victor": the letter v
            elif (
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
        if repaired and current:
            piece = _Piece(piece.lo, piece.hi, piece.text, piece.tail, restart=True)
        repaired = False
        current.append(piece)
        k = piece.hi
    if current:
        runs.append(current)
    return runs


#: Tokens that do not count in the look-back for a naming word: the pieces of an attempt the
#: caller broke off, fillers and corrections ("numéro client c'est oc 4 58 euh non pardon oc 4
#: 58 12 09": the restart is announced by the same words).
_NOT_COUNTED = re.compile(r"[a-z]?\d[\d\w-]*|[a-z]")
_UNCOUNTED_WORDS = {"euh", "heu", "uh", "um", "er", "erm", "non", "no", "pardon", "sorry",
                    "désolé", "désolée", "oops", "hum"}  # fmt: skip


def _context(tokens: Sequence[Token], start: int, language: str) -> str | None:
    """ "id", "not_id" or None: the nearest naming word before token ``start``."""
    counted, i = 0, start
    while i > 0 and counted < CONTEXT_WINDOW:
        i -= 1
        word = tokens[i].text
        skipped = _NOT_COUNTED.fullmatch(word) or word in _UNCOUNTED_WORDS
        if not (skipped or _letter_group(word, language)):
            counted += 1
        bare = word.split("'", 1)[1] if re.match(r"^[a-z]'", word) else word
        if bare in ID_CONTEXT:
            return "id"
        if (
            bare in _HOLDER_NOUNS
            and any(  # "numéro d'élève", "student number"
                _bare(t.text).removesuffix("'s") in _NUMBER_NOUNS or _bare(t.text) == "numéro"
                for t in (*tokens[max(0, i - 2) : i], *tokens[i + 1 : min(i + 2, start)])
            )
        ):
            return "id"
        if (
            bare in _CARD_NOUNS
            and any(  # "numéro de la carte", "card number"
                _bare(t.text).removesuffix("'s") in _NUMBER_NOUNS
                for t in (*tokens[max(0, i - 3) : i], *tokens[i + 1 : min(i + 2, start)])
            )
            and not any(
                t.text in _PAYMENT_CARD_WORDS for t in tokens[max(0, i - 3) : min(i + 4, start)]
            )
        ):
            # a card the caller holds (travel, membership, loyalty, library; round 14): its
            # number identifies them; a payment card's is the card scanner's
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
            # "le numéro de série de ma chaudière", "my boiler's serial number": the serial of a
            # thing the caller says is theirs, or of an installation at their home, identifies
            # them like a meter's
            if bare in _SERIALS and any(
                t.text in _POSSESSIVES or _bare(t.text).removesuffix("'s") in _INSTALLATIONS
                for t in (*tokens[max(0, i - 3) : i], *tokens[i + 1 : min(i + 4, start)])
            ):
                return "id"
            return "not_id"
    return None


#: What a caller says right after a value to name it ("… that's my mum's account", "… c'est
#: mon numéro client"): a pronoun's copula, then a word naming the customer's identifier within
#: a few words (round 17).
_NAMING_COPULAS = {"that's", "it's", "c'est", "c'était", "that", "it"}
_NAMED_REACH = 5


def _named_after(tokens: Sequence[Token], hi: int) -> bool:
    """A pronoun's copula right after token ``hi`` (a filler may come first) and a word naming
    the customer's identifier within ``_NAMED_REACH`` words, no transaction word before it."""
    k = hi
    while k < len(tokens) and tokens[k].text in _UNCOUNTED_WORDS:
        k += 1
    if k >= len(tokens) or tokens[k].text not in _NAMING_COPULAS:
        return False
    for t in tokens[k + 1 : k + 1 + _NAMED_REACH]:
        word = _bare(t.text).removesuffix("'s")
        if word in NOT_ID_CONTEXT:
            return False
        if word in ID_CONTEXT:
            return True
    return False


def _phone_word_before(tokens: Sequence[Token], lo: int) -> bool:
    """A phone word shortly before ``lo``, as the phone scanner reads them: what a North
    American number needs in French."""
    words = _PHONE_WORDS | PHONE_CONTEXT
    return any(_bare(t.text) in words for t in tokens[max(0, lo - CONTEXT_WINDOW) : lo])


def _phone_not_id(compact: str, tokens: Sequence[Token], lo: int, language: str) -> bool:
    """A number the tenant's all-digit id pattern matches that is a phone number said as one
    ("mon ancien numéro c'était le 04 65 71 38 20", "le fixe c'est zéro quatre …"): phone-valid
    with no word naming the customer's identifier before it, or with a phone word nearer; the
    phone scanner's to judge."""
    window = {_bare(t.text) for t in tokens[max(0, lo - CONTEXT_WINDOW) : lo]}
    announced = _phone_word_before(tokens, lo)
    if not compact.isdigit() or not is_phone(compact, False, language, announced):
        return False
    return bool(window & _PHONE_WORDS) or _context(tokens, lo, language) != "id"


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
    # 1. the tenant's patterns, on any whole pieces of a run; the run may go on over a
    # correction or a link ("pch 815, sorry, 533", "… et à la fin h h quatre"): the whole
    # pattern is the evidence that the pieces are one identifier
    bridged = _pieces(units, tokens, language, bridge=True) if compiled else []
    for run in bridged:
        for a in range(len(run)):
            if match := _pattern_from(run, a, a, "", tokens, units, language, compiled):
                found.append(match)
    for run in bridged:
        found += _repaired_matches(run, tokens, units, language, compiled)
    found += _one_digit_short(bridged, found, tokens, units, language, patterns)
    matched = list(found)
    said: tuple[int, int] | None = None  # the tokens of the run before this one
    for run in _pieces(units, tokens, language):
        before, said = said, (units[run[0].lo].lo, units[run[-1].hi - 1].hi)
        if any(f.lo < units[run[-1].hi - 1].hi and units[run[0].lo].lo < f.hi for f in matched):
            continue
        if _spelled_plate(run, tokens, units, language):
            # a plate read letter by letter ("y k seventy one f v x", "g h 482 k t")
            found.append(Found(units[run[0].lo].lo, units[run[-1].hi - 1].hi, ID))
            continue
        while run and run[-1].tail:
            run = run[:-1]  # closing letters count only in a whole pattern ("20 gb of data")
        # drop lone letters at the edges that are words ("a", "y", "à")
        while (
            run
            and len(run[0].text) == 1
            and run[0].text.isalpha()
            and (len(run) == 1 or (not run[1].text[:1].isalpha() and len(run) < 2))
        ):
            run = run[1:]
        while (
            len(run) > 1
            and len(run[-1].text) == 1
            and run[-1].text.isalpha()
            and tokens[units[run[-1].lo].lo - 1].text not in _SPOKEN_DASHES  # "… dash h"
        ):
            run = run[:-1]  # "… 189 a été rejeté": the word "a", not a letter of the id
        if not run:
            continue
        compact = "".join(p.text for p in run)
        lo, hi = units[run[0].lo].lo, units[run[-1].hi - 1].hi
        if hi < len(tokens) and tokens[hi].text in _CURRENCY:
            continue
        window = {t.text for t in tokens[max(0, lo - CONTEXT_WINDOW) : lo]}
        device = any(_bare(w) in DEVICE_ID_WORDS for w in window)
        if (_payment(compact) and not device) or any(units[p.lo].plus for p in run):
            continue
        if lo > 0 and tokens[lo - 1].text == "plus":
            continue
        context = _context(tokens, lo, language)
        if context is None and _named_after(tokens, hi) and not is_phone(compact, False, language):
            context = "id"  # "… six eight twelve oh four that's my mum's account"
        digits, letters = _digits(compact), _letters(compact)
        if compact.isdigit() and window & _PHONE_WORDS and not device:
            continue  # "the phone number on the account?": the phone scanner's to judge
        if (
            context == "id"
            and run[0].lo > 0
            and units[run[0].lo - 1].kind == "word"
            and re.fullmatch(r"[a-z]{2,3}", units[run[0].lo - 1].value)
            and units[run[0].lo - 1].value not in _COMMON_SHORT
            and units[run[0].lo - 1].value not in _STOP_WORDS
            and units[run[0].lo - 1].lo == lo - 1
        ):
            lo -= 1  # "numéro d'élève c'est el 55 92 06": the letters open the announced id
            compact = units[run[0].lo - 1].value.upper() + compact
        if context == "id":
            # "dupont75", "anatole69r": a word, digits, maybe a closing letter
            login = len(run) == 1 and re.fullmatch(
                r"[A-Z]{2,}\d{2,}[A-Z]?|\d{2,}[A-Z]{2,}", compact
            )
            # one letter that is no word, then a number of four digits or more that is no year
            # ("numéro de patient c'est p trois mille deux cent quarante-sept"; round 19)
            lettered = (
                letters == 1
                and digits >= 4
                and re.fullmatch(r"[A-Z]\d+", compact) is not None
                and compact[0].lower() not in _ONE_LETTER_WORDS
                and not re.fullmatch(r"(19|20)\d\d", compact[1:])
            )
            if (
                digits >= 5
                or (letters >= 2 and digits >= 4)
                or (login and len(compact) >= 5)
                or lettered
            ):
                if before and _repair_between(tokens, before[1], lo, holds=()):
                    lo = before[0]  # "h s six seven sorry six eight …": the attempt too
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
            and not is_phone(compact, False, language, _phone_word_before(tokens, lo))
            and not phone_loop(compact, language)
            and not restarted_phone(compact, language)
            and not read_back_phone(compact, language)
            and not phone_one_over(compact, language)
            and not _date_like(compact)
        ):
            found.append(Found(lo, hi, ID))
    found += _restarted_codes(tokens, units, language, found)
    logins = scan_logins(tokens, units, language) if not patterns else []
    return found + _read_back(tokens, units, found, language) + logins


def _repair_between(
    tokens: Sequence[Token], end: int, lo: int, holds: Sequence[tuple[str, ...]] = _HOLDS
) -> bool:
    """Only repair words, ``holds`` and hesitations between tokens ``end`` and ``lo``, one of them
    no hesitation ("non attendez", "sorry hang on"): the run before ``end`` was an attempt at
    the value said from ``lo``."""
    k, repaired = end, False
    while k < lo:
        hold = _phrase_at(tokens, k, holds)
        if hold:
            k, repaired = k + hold, True
        elif tokens[k].text in _UNCOUNTED_WORDS:
            repaired = repaired or tokens[k].text not in _HESITATION
            k += 1
        else:
            return False
    return repaired and k == lo


def _restarted_codes(
    tokens: Sequence[Token], units: Sequence[Unit], language: str, found: Sequence[Found]
) -> list[Found]:
    """A code of letters spelled one by one and digits, broken off by a repair or a hold and
    said again from its letters and first digit, longer ("c'est le j f un zéro non attendez j f
    un zéro six neuf"; round 19): dictating it twice is the evidence of a code, with no cue. The
    letters each said alone, digits only after them, four digits at least; a transaction word
    before it ("dossier", "order") leaves it, and closing letters (a postcode, a plate) too."""
    out: list[Found] = []
    runs = _pieces(units, tokens, language)
    for first, again in itertools.pairwise(runs):
        lo, hi = units[again[0].lo].lo, units[again[-1].hi - 1].hi
        start = units[first[0].lo].lo
        if not _repair_between(tokens, units[first[-1].hi - 1].hi, lo):
            continue
        spelled = next((m for m, p in enumerate(again) if not p.text.isalpha()), len(again))
        letters = "".join(p.text for p in again[:spelled])
        digits = "".join(p.text for p in again[spelled:])
        said = "".join(p.text for p in first)
        if (
            spelled < 2
            or any(len(p.text) != 1 for p in again[:spelled])
            or not digits.isdigit()
            or len(digits) < 4
            or not said.startswith(letters + digits[0])
            or len(said) >= len(letters + digits)
            or _context(tokens, start, language) == "not_id"
            or (hi < len(tokens) and tokens[hi].text in _CURRENCY)
        ):
            continue
        if not any(f.lo < hi and start < f.hi for f in found):
            out.append(Found(start, hi, ID))
    return out


def _repaired_matches(
    run: Sequence[_Piece],
    tokens: Sequence[Token],
    units: Sequence[Unit],
    language: str,
    compiled: Sequence[re.Pattern[str]],
) -> list[Found]:
    """A tenant's pattern matched by an id the caller repaired ("c r s 3 3 7, pardon, 3 3 8 0 15
    6", "w 2 3 0 5, sorry, 0 6 77 1"): the pieces kept from before the repair word, then those
    said after it. The whole stretch, the broken-off attempt included, is the one identifier,
    as a phone read with a repair is one phone: it keeps its ID type."""
    found: list[Found] = []
    for c, piece in enumerate(run):
        if not piece.restart:
            continue
        for a in range(c):
            for keep in range(a, c + 1):
                kept = "".join(p.text for p in run[a:keep])
                if match := _pattern_from(run, a, c, kept, tokens, units, language, compiled):
                    found.append(match)
    return found


#: A tenant's pattern that opens with its letters and goes on with a count of digits ("RMD[0-9]{5}",
#: "MPC\\d{5}").
_PREFIXED = re.compile(r"\^?([A-Z]{2,4})(\[0-9\]|\\d)\{(\d+)\}\$?")


def _one_digit_short(
    bridged: Sequence[Sequence[_Piece]],
    found: Sequence[Found],
    tokens: Sequence[Token],
    units: Sequence[Unit],
    language: str,
    patterns: Sequence[str],
) -> list[Found]:
    """The tenant's letters spelled one by one, then digits one short of the pattern, with no
    digit after ("c'est r m d six deux quarante neuf" for ``RMD[0-9]{5}``, "m p c seven hang on
    m p c seven two sixty five"; round 18): a digit lost in the hearing, or two read as one
    number ("quarante neuf"). The tenant's own letters, each said alone, are the evidence; the
    letters glued ("rmd 6249") or another prefix stay."""
    out: list[Found] = []
    for pattern in patterns:
        shape = _PREFIXED.fullmatch(pattern)
        if not shape or int(shape[3]) < 5:
            continue
        letters, count = shape[1], int(shape[3]) - 1
        for run in bridged:
            for a in range(len(run) - len(letters)):
                spelled = run[a : a + len(letters)]
                if "".join(p.text for p in spelled) != letters or any(
                    len(p.text) != 1 for p in spelled
                ):
                    continue
                digits = ""
                end = a + len(letters)
                while end < len(run) and run[end].text.isdigit() and len(digits) < count:
                    digits += run[end].text
                    end += 1
                if len(digits) != count or (end < len(run) and run[end].text[:1].isdigit()):
                    continue
                lo, hi = units[run[a].lo].lo, units[run[end - 1].hi - 1].hi
                if not any(f.lo < hi and lo < f.hi for f in [*found, *out]):
                    out.append(Found(lo, hi, ID))
    return out


def _pattern_from(
    run: Sequence[_Piece],
    a: int,
    b: int,
    compact: str,
    tokens: Sequence[Token],
    units: Sequence[Unit],
    language: str,
    compiled: Sequence[re.Pattern[str]],
) -> Found | None:
    """The shortest stretch from piece ``a`` whose text, ``compact`` then pieces ``b`` onwards, a
    tenant's pattern matches whole: an ID, unless it has a phone's shape (then nothing). A lone
    "o" is read as zero and as the letter O ("b o five two …" for ``BO[0-9]{7}``; round 17):
    the two sound alike, and the pattern, matched whole, tells which was meant."""
    lettered = zeroed = compact
    for end in range(b, len(run)):
        compact += run[end].text
        said = units[run[end].lo]
        letter_o = said.hi - said.lo == 1 and tokens[said.lo].text == "o"
        lettered += "O" if letter_o else run[end].text
        # "r m d o o quatre …": an o after a spelled letter is a letter to the tokenizer, but
        # zero to a pattern that wants digits there (round 18)
        zeroed += "0" if letter_o else run[end].text
        if len(compact) > 24:
            return None
        if any(p.fullmatch(c) for p in compiled for c in {compact, lettered, zeroed}):
            lo = units[run[a].lo].lo
            if _phone_not_id(compact, tokens, lo, language):
                return None
            return Found(lo, units[run[end].hi - 1].hi, ID)
    return None


def _read_back(
    tokens: Sequence[Token], units: Sequence[Unit], found: Sequence[Found], language: str
) -> list[Found]:
    """An identifier read back or said again ("tb 551 029 551 029", "vm10923684 je relis vm
    10 92 36 84"): the same digits (five or more) elsewhere in the call are the same identifier,
    whatever words announce them."""
    said = set()
    for f in found:
        digits = "".join(u.value for u in units if u.kind == "num" and f.lo <= u.lo < f.hi)
        if len(digits) >= 5:
            said.add(digits)
    out: list[Found] = []
    if not said:
        return out
    taken = list(found)
    for run in _pieces(units, tokens, language):
        for a in range(len(run)):
            digits = ""
            for b in range(a, len(run)):
                digits += re.sub(r"\D", "", run[b].text)
                lo, hi = units[run[a].lo].lo, units[run[b].hi - 1].hi
                if digits in said and not any(f.lo < hi and lo < f.hi for f in taken):
                    out.append(Found(lo, hi, ID))
                    taken.append(out[-1])
                    break
    return out


#: Vehicle registrations, which identify the keeper: French (SIV, since 2009: "gh-482-kt", two
#: letters, three digits, two letters, with no I, O or U) and British (since 2001: "yk25 hxz",
#: two letters with no I, Q or Z, two digits, three letters with no I or Q).
_FR_PLATE = re.compile(r"([a-hj-np-tv-z]{2})-?(\d{3})-?([a-hj-np-tv-z]{2})")
_FR_PLATE_LETTERS = re.compile(r"[a-hj-np-tv-z]{2}")
_UK_PLATE = re.compile(r"([a-hj-pr-y]{2}\d{2})([a-hj-pr-z]{3})?")
_UK_PLATE_AREA = re.compile(r"[a-hj-pr-y]{2}")
_UK_PLATE_END = re.compile(r"[a-hj-pr-z]{3}")


#: The same plates read one letter at a time (each letter its own piece).
_UK_PLATE_SPELLED = re.compile(r"[A-HJ-PR-Y]{2}\d{2}[A-HJ-PR-Z]{3}")
_FR_PLATE_SPELLED = re.compile(r"[A-HJ-NP-TV-Z]{2}\d{3}[A-HJ-NP-TV-Z]{2}")

_STOP_WORDS = frozenset(w.lower() for w in _EN_STOP | _FR_STOP)


def _listed_word(word: str) -> bool:
    """A word as the lemmatizer tables list it (no suffix rule: those read any two letters as
    some word's form)."""
    words = common_words()
    return word in words.forms or any(word in lemmas for lemmas, _ in words.lemmas)


def _plate_letters(word: str, shape: re.Pattern[str]) -> bool:
    """Letters of a plate: no small word ("le 317 de"); two letters are checked against the
    stop words only (the tables list most pairs as abbreviations: "fm", "lb"), three against
    the tables and the name lists too."""
    if shape.fullmatch(word) is None or word in _COMMON_SHORT or word in _STOP_WORDS:
        return False
    return len(word) == 2 or not (_listed_word(word) or known_name(word))


def scan_plates(tokens: Sequence[Token]) -> list[Found]:
    """Licence plates by their shape, written as one token ("gh-482-kt", "yk25hxz") or read in
    pieces whose letters are no word ("gh 482 kt", "yk25 hxz")."""
    found: list[Found] = []
    n = len(tokens)
    for i, tok in enumerate(tokens):
        w = tok.text
        if _FR_PLATE.fullmatch(w) and "-" in w:
            found.append(Found(i, i + 1, ID))
        elif (
            i + 2 < n
            and _plate_letters(w, _FR_PLATE_LETTERS)
            and re.fullmatch(r"\d{3}", tokens[i + 1].text)
            and _plate_letters(tokens[i + 2].text, _FR_PLATE_LETTERS)
        ):
            found.append(Found(i, i + 3, ID))
        m = _UK_PLATE.fullmatch(w)
        if m and m.group(2) and _plate_letters(w[:2], _UK_PLATE_AREA):
            found.append(Found(i, i + 1, ID))
        elif (
            m
            and i + 1 < n
            and _plate_letters(w[:2], _UK_PLATE_AREA)
            and _plate_letters(tokens[i + 1].text, _UK_PLATE_END)
        ):
            found.append(Found(i, i + 2, ID))
    return found


_POSTCODE_WORDS = {"postcode", "postal", "post", "zip"}


def _spelled_plate(
    run: Sequence[_Piece], tokens: Sequence[Token], units: Sequence[Unit], language: str
) -> bool:
    """A licence plate whose letters are read one by one: British anywhere; French in French
    only, and not after a postcode word (a British postcode "l s 18 5 t n" has its shape)."""
    if len(run) < 5 or any(p.text.isalpha() and len(p.text) > 1 for p in run):
        return False
    compact = "".join(p.text for p in run)
    if _UK_PLATE_SPELLED.fullmatch(compact):
        return True
    lo = units[run[0].lo].lo
    before = {t.text for t in tokens[max(0, lo - CONTEXT_WINDOW) : lo]}
    return (
        language == "fr"
        and _FR_PLATE_SPELLED.fullmatch(compact) is not None
        and not before & _POSTCODE_WORDS
    )


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
            document = _document_card(tokens[max(0, lo - 6) : lo])
            found.append(Found(lo, hi, ID if document else CARD))
    return found


#: Words that make a "carte"/"card" a document, not a means of payment: "carte d'identité",
#: "carte vitale", "carte de séjour", "identity card", "id card", "student card". A closed class.
_DOCUMENT_CARDS = {
    "d'identité", "identité", "vitale", "grise", "séjour", "d'électeur", "électeur",
    "consulaire", "d'étudiant", "étudiant", "identity", "id", "national", "residence",
    "resident", "voter", "voter's", "student", "health", "medicare", "aadhaar", "pan",
}  # fmt: skip


def _document_card(before: Sequence[Token]) -> bool:
    """A card word in ``before`` qualified as an identity or health document (the word right
    after it in French, before it in English, "de" skipped: "carte de séjour")."""
    words = [t.text for t in before]
    for k, w in enumerate(words):
        if w not in CARD_CONTEXT:
            continue
        after = words[k + 1 : k + 3]
        if after[:1] == ["de"]:
            after = after[1:]
        if (after and after[0] in _DOCUMENT_CARDS) or (k and words[k - 1] in _DOCUMENT_CARDS):
            return True
    return False


# ----------------------------------------------------------------------------- logins (round 13)

#: Words naming the name a person signs in with, a closed class: a value said after one of them
#: and a copula is the caller's login, username or handle, in any of its dictated forms.
LOGIN_CUES = {
    "username", "usernames", "login", "logins", "log-in", "handle", "pseudo", "pseudos",
    "pseudonyme", "identifiant", "identifiants", "gamertag", "userid", "user-id",
}  # fmt: skip
_LOGIN_PHRASES = [("user", "name"), ("user", "id"), ("screen", "name"), ("nom", "d'utilisateur")]
#: The words a text must hold for a login to be looked for in it (cues, spoken underscores).
_LOGIN_FIRSTS = LOGIN_CUES | {phrase[0] for phrase in _LOGIN_PHRASES} | {"underscore", "tiret"}
#: Copulas that open the value ("is", "c'est", "should be", "ça devrait être").
_COPULAS = {"is", "was", "be", "c'est", "cest", "est", "être", "sera", "était"}
#: How far after the cue its copula may come ("mon pseudo sur l'appli c'est …").
_COPULA_REACH = 6
_MAX_LOGIN_TOKENS = 10
#: At most this many words make a handle whose spaces the caller says are underscores.
_MAX_UNDERSCORED_WORDS = 5
#: Remarks by which a caller says that the spaces of a value are underscores (a closed class).
_UNDERSCORE_REMARKS = [
    ("with", "an", "underscore"), ("with", "underscores"), ("avec", "un", "tiret", "du", "bas"),
    ("avec", "des", "tirets", "du", "bas"), ("avec", "des", "underscores"),
]  # fmt: skip
#: Remarks by which a caller says how a value is typed (a closed class): "all one word", "tout
#: attaché", "all lower case", "avec un tiret".
_TYPING_REMARKS = [
    ("all", "one", "word"), ("one", "word"), ("all", "lower", "case"), ("all", "lowercase"),
    ("lower", "case"), ("lowercase",), ("no", "spaces"), ("with", "no", "spaces"),
    ("with", "a", "dot"), ("with", "a", "dash"), ("with", "a", "hyphen"),
    ("tout", "attaché"), ("en", "un", "seul", "mot"), ("en", "un", "mot"), ("sans", "espace"),
    ("sans", "espaces"), ("tout", "en", "minuscules"), ("en", "minuscules"),
    ("avec", "un", "point"), ("avec", "un", "tiret"), ("avec", "des", "tirets"),
    *_UNDERSCORE_REMARKS,
]  # fmt: skip
_TYPING_REMARKS.sort(key=len, reverse=True)
_REMARK_FIRSTS = {remark[0] for remark in _TYPING_REMARKS}
#: Symbols said as words inside a typed value ("floriane tiret du bas chine", "fitzroy underscore
#: rides"); the e-mail scanner reads the same words when an "at" and a domain follow.
_UNDERSCORES = [("tiret", "du", "bas"), ("tiret", "bas"), ("underscore",)]
_SYMBOL_WORDS = [*_UNDERSCORES, ("dot",), ("point",), ("dash",), ("hyphen",), ("tiret",)]
_EMAIL_AT = {"at", "arobase", "arrobase", "@"}
#: Words that end a value read out: a clause goes on, the caller confirms or corrects.
_VALUE_ENDS = {"oui", "yeah", "yes", "c'est", "it's", "that's", "voilà", "ok", "okay", "non", "no",
               "sorry", "pardon", "enfin", "désolé", "désolée", "mean"}  # fmt: skip
_HESITATION = {"euh", "heu", "uh", "um", "erm", "er", "hum"}
#: A login as written: "@cosmo_deals", "gaetane.rb", "hporter3", "osric_lav82".
_WRITTEN_LOGIN = re.compile(r"@?[^\W_][\w]*(?:[._-][^\W_]+)*")
_HANDLE = re.compile(r"@[^\W_]\w*(?:\.\w+)*")
_UNDERSCORED = re.compile(r"[^\W_]+(?:_[^\W_]+)+")


def _login_cue(tokens: Sequence[Token], i: int) -> int:
    """Length of a login cue at token ``i`` ("username", "user name", "handle's"), or 0."""
    word = tokens[i].text.removesuffix("'s")
    if word in LOGIN_CUES:
        return 1
    return _phrase_at(tokens, i, _LOGIN_PHRASES)


def _written_login(word: str) -> bool:
    """A token typed as a login: letters with digits, or pieces joined by "." or "_", or a
    handle's "@"; not an e-mail address or a web host."""
    if not _WRITTEN_LOGIN.fullmatch(word) or "@" in word[1:] or len(word) < 4:
        return False
    if not re.search(r"[^\W\d_]", word):
        return False
    joined = re.search(r"[._@]", word) is not None
    mixed = re.search(r"\d", word) is not None
    if "." in word and _is_host(word):
        return False
    return joined or mixed


def _is_host(word: str) -> bool:
    from transforms.privacy.pii.scanners import is_domain  # scanners imports this module's peers

    return is_domain(word.lstrip("@"))


def _is_digit_word(word: str, language: str) -> bool:
    """A digit or a number word of a value ("trente-trois", "oh"); not the articles "un",
    "une" ("c'est une blague")."""
    if word in ("un", "une"):
        return False
    return word.isdigit() or is_number_word_in(word, language) or word in {"oh", "zéro", "zero"}


def _value_pieces(
    tokens: Sequence[Token], start: int, language: str
) -> tuple[list[tuple[int, str]], int, bool]:
    """The pieces of a value read out from ``start``: (token index, kind) with kinds "written",
    "digit", "letter", "word", "symbol"; the token where it stopped; whether a typing remark
    ended it."""
    pieces: list[tuple[int, str]] = []
    k = start
    n = len(tokens)
    while k < n and k - start < _MAX_LOGIN_TOKENS:
        word = tokens[k].text
        if pieces and _phrase_at(tokens, k, _TYPING_REMARKS):
            return pieces, k, True
        symbol = _phrase_at(tokens, k, _SYMBOL_WORDS)
        if symbol and pieces:
            pieces.append((k, "symbol"))
            k += symbol
            continue
        if word in _EMAIL_AT:
            if pieces:
                return [], k, False  # "… at gmail dot com": an e-mail, the e-mail scanner's
            pieces.append((k, "symbol"))  # "at vintage vasquez": a handle's "@"
            k += 1
            continue
        if word in _HESITATION:
            k += 1
            continue
        if _written_login(word):
            kind = "written"
        elif _is_digit_word(word, language):
            kind = "digit"
        elif len(word) == 1 and word.isalpha() and word not in _WORD_LETTERS[language]:
            kind = "letter"
        elif (
            word in _STOP_WORDS
            or word in _VALUE_ENDS
            or word in _CURRENCY
            or word in _COPULAS
            or _login_cue(tokens, k)
            or not re.fullmatch(r"[^\W\d_][^\W_]*(?:-[^\W_]+)*", word)
        ):
            break
        else:
            kind = "word"
        pieces.append((k, kind))
        k += 1
        if tokens[k - 1].pause:
            break
    return pieces, k, k < n and bool(pieces) and _phrase_at(tokens, k, _TYPING_REMARKS) > 0


def _typed(
    pieces: Sequence[tuple[int, str]], tokens: Sequence[Token], language: str, remark: bool
) -> bool:
    """Whether pieces read after a login cue are a typed value, not words of a sentence ("my
    login is broken"): a written login, a symbol said as a word, letters or words with digits,
    an initial and a word, a typing remark after them, or one word that is no word of the
    language."""
    kinds = [kind for _, kind in pieces]
    if not {"written", "letter", "word"} & set(kinds):
        return False  # digits alone are the number rules'
    if "written" in kinds or remark:
        return True
    if "symbol" in kinds[1:] and kinds[-1] != "symbol":
        return True
    if "digit" in kinds and {"letter", "word"} & set(kinds):
        return True
    if kinds[:2] == ["letter", "word"]:
        return True  # "n boucher", "m okereke": an initial and a surname
    if kinds == ["word"]:
        word = tokens[pieces[0][0]].text
        return word not in common_words_of(language) and word not in common_words()
    return False


def _span(pieces: Sequence[tuple[int, str]], tokens: Sequence[Token]) -> tuple[int, int]:
    while pieces and pieces[-1][1] == "symbol":
        pieces = pieces[:-1]
    return pieces[0][0], pieces[-1][0] + 1


def _cued_logins(tokens: Sequence[Token], language: str) -> list[Found]:
    """ "my username's fitzroy_rides_44", "mon login c'est e salgueiro zéro neuf euh tout
    attaché", "the seller's handle is at vintage vasquez all one word": a login cue, a copula
    within a few words (or the cue's own "'s"), then a typed value."""
    found = []
    n = len(tokens)
    for i in range(n):
        cue = _login_cue(tokens, i)
        if not cue:
            continue
        start = None
        if tokens[i].text.endswith("'s"):
            start = i + 1
        else:
            for j in range(i + cue, min(n, i + cue + _COPULA_REACH)):
                if tokens[j].text in _COPULAS:
                    start = j + 1
                    break
        if start is None or start >= n:
            continue
        if tokens[start].text in ("le", "la", "l'", "the") and start + 1 < n:
            start += 1
        pieces, _, remark = _value_pieces(tokens, start, language)
        if pieces and _typed(pieces, tokens, language, remark):
            lo, hi = _span(pieces, tokens)
            if lo < hi:
                found.append(Found(lo, hi, ID))
    return found


def _remarked_values(tokens: Sequence[Token], language: str) -> list[Found]:
    """A value typed as the caller says ("… tabby l two one all lower case", "c'est le grenier
    de malo tout attaché avec des tirets du bas") with no login cue: letters or words, then
    digits, before a typing remark (a name holds no digits, an address line opens on its
    number; an e-mail is the e-mail scanner's), or the few words said after a copula when the
    remark says their spaces are underscores. A value restarted after a repair word with the
    same opening ("tabby l one two uh no tabby l two one") is taken whole."""
    found = []
    n = len(tokens)
    for r in range(1, n):
        if not _phrase_at(tokens, r, _TYPING_REMARKS) or (
            r > 0 and _phrase_at(tokens, r - 1, _TYPING_REMARKS)
        ):
            continue
        underscores = any(
            _phrase_at(tokens, m, _UNDERSCORE_REMARKS) for m in range(r, min(n, r + 6))
        )
        k = r - 1
        while k >= 0 and tokens[k].text in _HESITATION:
            k -= 1
        lo = k + 1
        copula = False
        while k >= 0 and r - k <= _MAX_LOGIN_TOKENS:
            word = tokens[k].text
            copula = word in _COPULAS
            if copula or (k < r - 1 and tokens[k].pause) or _login_cue(tokens, k):
                break
            if word in _EMAIL_AT or "@" in word or "." in word:
                lo = r  # an e-mail read out: the e-mail scanner's
                break
            piece = _is_digit_word(word, language) or (
                len(word) == 1 and word.isalpha() and word not in _WORD_LETTERS[language]
            )
            if word in _CURRENCY or (
                not underscores and not piece and (word in _STOP_WORDS or word in _VALUE_ENDS)
            ):
                break
            lo = k
            k -= 1
        if lo >= r:
            continue
        pieces, _, _ = _value_pieces(tokens, lo, language) if not underscores else ([], 0, True)
        if underscores:
            if copula and r - lo <= _MAX_UNDERSCORED_WORDS:  # "c'est le grenier de malo"
                found.append(Found(lo, r, ID))
            continue
        kinds = {kind for _, kind in pieces}
        # letters first, then digits, as a login is made ("marmotte 62"); a value opening on
        # digits is a number or an address line ("93 hayrick avenue, one word")
        opens = bool(pieces) and pieces[0][1] in ("letter", "word", "written")
        if opens and "digit" in kinds and kinds & {"letter", "word", "written"}:
            first, end = _span(pieces, tokens)
            first = _restart(tokens, first, language)
            found.append(Found(first, end, ID))
    return found


def _restart(tokens: Sequence[Token], lo: int, language: str) -> int:
    """Where a value said again after a repair word began the first time ("tabby l one two uh
    no tabby l two one"): the same opening word before the repair."""
    k = lo - 1
    while k >= 0 and tokens[k].text in _HESITATION:
        k -= 1
    if k < 0 or tokens[k].text not in _UNCOUNTED_WORDS - _HESITATION:
        return lo
    while k >= 0 and (tokens[k].text in _HESITATION or tokens[k].text in _UNCOUNTED_WORDS):
        k -= 1
    for m in range(k, max(-1, k - _MAX_LOGIN_TOKENS), -1):
        if tokens[m].text == tokens[lo].text:
            return m
        word = tokens[m].text
        piece = _is_digit_word(word, language) or (len(word) == 1 and word.isalpha())
        if (word in _STOP_WORDS and not piece) or (tokens[m].pause and m < k):
            break
    return lo


def _underscored(tokens: Sequence[Token], language: str) -> list[Found]:
    """Handles by their shape, with no cue: "@cosmo_deals", "floriane_chine33", and words or
    digits joined by a spoken underscore ("fitzroy underscore rides underscore forty four",
    "floriane tiret du bas chine"), with no "at" and domain after (an e-mail, the e-mail
    scanner's)."""
    found = []
    n = len(tokens)
    for i, tok in enumerate(tokens):
        word = tok.text
        if (_HANDLE.fullmatch(word) or _UNDERSCORED.fullmatch(word)) and not _is_host(word):
            found.append(Found(i, i + 1, ID))
            continue
        under = _phrase_at(tokens, i, _UNDERSCORES)
        if not under or i == 0:
            continue
        before = tokens[i - 1].text
        if before in _STOP_WORDS or before in _VALUE_ENDS or not re.fullmatch(r"[^\W_]+", before):
            continue
        lo = i - 1
        pieces, end, _ = _value_pieces(tokens, i + under, language)
        if not pieces or pieces[0][1] == "symbol":
            continue
        if end < n and tokens[end].text in _EMAIL_AT:
            continue
        found.append(Found(lo, _span(pieces, tokens)[1], ID))
    return found


def _digits_said(units: Sequence[Unit], tokens: Sequence[Token], lo: int, hi: int) -> str:
    parts = []
    for u in units:
        if u.lo < lo or u.hi > hi:
            continue
        if _phrase_at(tokens, u.lo, _SYMBOL_WORDS) or u.kind in ("filler",) or u.value in _EMAIL_AT:
            continue
        parts.append(u.value if u.kind == "num" else re.sub(r"[\W_]", "", u.value))
    return "".join(parts)


def scan_logins(tokens: Sequence[Token], units: Sequence[Unit], language: str) -> list[Found]:
    """Logins, usernames and handles (issue 22, round 13): announced by a login cue, written
    in a login's shape, or typed as the caller says; and each said again elsewhere in the call
    ("m okereke all one word? yeah mokereke")."""
    words = {t.text.removesuffix("'s") for t in tokens}
    if not (
        words & _LOGIN_FIRSTS
        or any(w.startswith("@") or "_" in w for w in words)
        or (
            words & _REMARK_FIRSTS
            and any(_phrase_at(tokens, i, _TYPING_REMARKS) for i in range(len(tokens)))
        )
    ):
        return []
    found = (
        _cued_logins(tokens, language)
        + _underscored(tokens, language)
        + _remarked_values(tokens, language)
    )
    said = set()
    for f in found:
        compact = _digits_said(units, tokens, f.lo, f.hi)
        if len(compact) >= 5:
            said.add(compact)
    out = list(found)
    if not said:
        return out
    for a in range(len(units)):
        compact = ""
        for b in range(a, min(len(units), a + 8)):
            u = units[b]
            if _phrase_at(tokens, u.lo, _SYMBOL_WORDS) or u.kind == "filler":
                if b == a:
                    break
                continue
            compact += u.value if u.kind == "num" else re.sub(r"[\W_]", "", u.value)
            # said whole, or its opening with digits in it ("r q two one four" after "rq two
            # one four r q?", the agent's check-back read with it)
            opening = len(compact) >= 5 and re.search(r"\d", compact) is not None
            if compact in said or (opening and any(s.startswith(compact) for s in said)):
                lo, hi = units[a].lo, u.hi
                if not any(f.lo <= lo and hi <= f.hi for f in out):
                    out.append(Found(lo, hi, ID))
            if tokens[u.hi - 1].pause:
                break
    return out
