"""Whether a digit string is a phone number, a payment card or a French NIR (by checksum
libraries), and the words around a number that say what it is."""

from __future__ import annotations

import phonenumbers
from stdnum import luhn
from stdnum.fr import nir as std_nir

#: Words just before a digit string that name it as something else than a phone number.
NOT_PHONE_CONTEXT = {
    "order", "case", "ticket", "reference", "ref", "tracking", "invoice", "contract", "serial",
    "complaint", "parcel", "commande", "dossier", "référence", "suivi", "contrat", "facture",
    "réclamation", "colis", "série", "siret", "siren", "abonné", "client", "customer", "account",
    # the other words naming a customer's identifier (identifiers.ID_CONTEXT)
    "member", "membership", "adhérent", "adhérente", "policy", "police", "meter", "compteur",
    "subscriber", "sociétaire", "matricule", "identifiant", "passport", "passeport",
    # a meter point's number by its name (round 17: "the NMI is …")
    "pdl", "prm", "mpan", "mprn", "nmi", "mirn",
    # and the other transaction words (TRANSACTION_WORDS)
    "claim", "sinistre", "incident", "tag",
    # tax numbers by their names (identifiers.ID_CONTEXT)
    "fiscal", "fiscale", "utr", "taxpayer", "tin",
    # a repair or a call-out done for the caller: its number is the job's, not the caller's
    "repair", "réparation", "intervention",
    # a job advertised: its number is the vacancy's, not the applicant's (round 15)
    "vacancy",
}  # fmt: skip
#: Words naming a transaction reference (order, case, ticket, tracking, invoice, claim): a number
#: they announce identifies the transaction, not a person, and stays (privacy.md, identifiers).
TRANSACTION_WORDS = {
    "order", "case", "ticket", "tracking", "invoice", "complaint", "parcel", "claim", "commande",
    "dossier", "suivi", "facture", "réclamation", "colis", "sinistre", "incident", "tag",
    "repair", "réparation", "intervention", "vacancy",
}  # fmt: skip
#: Words naming a device's own number: a Luhn-valid number after them (an IMEI has a Luhn check
#: digit) is the device's identifier, not a payment card. National numbers named by their
#: name (a closed class: the Swiss AVS/AHV number, the Irish PPS number) are identifiers the same
#: way, whatever Luhn, the NIR key or a phone plan a fictitious or mistyped one happens to pass.
DEVICE_ID_WORDS = {"imei", "avs", "ahv", "pps", "ppsn", "fiscal", "fiscale", "utr", "taxpayer",
                   "tin"}  # fmt: skip
#: How many words before a digit string are looked at for that context.
CONTEXT_WINDOW = 4
#: Words announcing a phone number. ASR often garbles a number read aloud ("39, 48, 4, 5, 2"):
#: no checksum or length check can pass, yet the digits are still personal data.
PHONE_CONTEXT = {
    "numéro", "portable", "téléphone", "tel", "tél", "fixe", "mobile", "joindre", "joignable",
    "rappeler", "rappelez", "number", "phone", "cell", "landline", "reach", "call", "sms", "text",
    "rejoindre", "cellulaire", "texter",
}  # fmt: skip
#: How far back such a word may be, and the fewest digits a garbled number keeps.
PHONE_CONTEXT_WINDOW = 10
MIN_GARBLED_DIGITS = 7

#: Regions tried for national numbers (written with the trunk 0, or 10-digit NANP for the US).
#: Where callers' national numbers come from: France, Belgium and Switzerland for French
#: ("0470 12 34 56", "079 …"); Britain, Ireland ("086 …") and the US for English. A language is
#: not a country: the North American plan's ten digits (Québec's "514 555 0147") are tried in
#: French as in English (issue 22, round 9), valid ones only (area code and exchange checked),
#: and in French only when a phone word or a call-back verb announces them: ten digits with no
#: cue are a French caller's account number as often ("attendez je cherche, 629 535 580 7").
_REGIONS = {"fr": ("FR", "BE", "CH", "GB", "US"), "en": ("GB", "IE", "US", "FR")}
_ANNOUNCED_ONLY = {"fr": {"US"}, "en": set()}


def is_phone(digits: str, international: bool, language: str, announced: bool = True) -> bool:
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
            if not announced and region in _ANNOUNCED_ONLY[language]:
                continue
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


def is_card(digits: str) -> bool:
    # Payment cards: 13-19 digits, issuer prefix 2-6 (Mastercard 2-series, Amex 3, Visa 4, …).
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn.is_valid(digits)


def is_nir(digits: str) -> bool:
    return len(digits) == 15 and std_nir.is_valid(digits)


def phone_loop(digits: str, language: str) -> bool:
    """The same phone number said two or more times in one breath: Whisper's loop over a silence
    repeats the number it has just written ("oh eight six … oh eight six …"). A phone, not one
    long identifier."""
    for size in range(9, 16):
        copies, rest = divmod(len(digits), size)
        if copies >= 2 and not rest and digits == digits[:size] * copies:
            return is_phone(digits[:size], False, language)
    return False


def phone_one_over(digits: str, language: str) -> bool:
    """A national number opened by its trunk 0 that is a phone number but for one digit too many
    at its end ("01264 496 0147", "oh one seven six eight four nine six oh three nine one"; issue
    22, round 12): a caller who doubles a digit, or ASR that hears one more, leaves a phone, not
    an account number. Judged only where a phone may be said (the scanners' context)."""
    return (
        10 <= len(digits) <= 13
        and digits[0] == "0"
        and digits[1] != "0"
        and not is_phone(digits, False, language)
        and is_phone(digits[:-1], False, language)
    )


#: The sizes of a phone's group read back (two to four digits: "douze", "nine oh oh", "0725").
_READ_BACK_SIZES = range(2, 5)


def read_back_phone(digits: str, language: str) -> bool:
    """A phone number one of whose groups was read back in the same run: said, then said again
    once or twice ("… nine oh oh nine oh oh? yes one two three", "… douze douze ? oui douze
    quinze": the agent's check, the caller's confirmation; issue 22, round 17). A phone, not one
    long identifier."""
    for size in _READ_BACK_SIZES:
        for i in range(len(digits) - 2 * size + 1):
            group = digits[i : i + size]
            for copies in (2, 3):
                end = i + size * copies
                if digits[i:end] == group * copies and is_phone(
                    digits[: i + size] + digits[end:], False, language
                ):
                    return True
    return False


#: The shortest false start a restart repeats ("oh seven … oh seven seven …").
_SHORTEST_FALSE_START = 2


def restarted_phone(digits: str, language: str) -> bool:
    """A phone number the caller began, stopped and began again in one breath ("oh seven seven,
    oh seven seven, oh seven seven oh oh nine …"; issue 22, round 11): the digits before the
    phone are one or more false starts, each an opening of the phone itself. A phone, not one
    long identifier."""
    for start in range(_SHORTEST_FALSE_START, len(digits) - 8):
        phone = digits[start:]
        if not is_phone(phone, False, language):
            continue
        if _false_starts(digits[:start], phone):
            return True
    return False


def echoed_phone(digits: str, language: str) -> bool:
    """A phone number said whole, then echoed in one run: the agent reads back its opening
    ("… 0725. 01768? oh one seven six eight …"), the caller says it again digit by digit
    (issue 22, round 12). Every piece after the phone opens the phone (two digits at least) and
    the phone comes again whole, so a Luhn-valid window across the echo is no card: the phone is
    the evidence ("42" said eight times is a test card, not a phone echoed)."""
    for size in range(9, 14):
        if len(digits) <= size:
            break
        phone, echo = digits[:size], digits[size:]
        if (
            phone in echo
            and _false_starts(echo, phone)
            and (is_phone(phone, False, language) or phone_one_over(phone, language))
        ):
            return True
    return False


def _false_starts(head: str, phone: str) -> bool:
    """Can ``head`` be cut into pieces that each open ``phone`` (two digits at least)?"""
    ok = [True] + [False] * len(head)
    for end in range(1, len(head) + 1):
        ok[end] = any(
            ok[begin] and phone.startswith(head[begin:end])
            for begin in range(0, end - _SHORTEST_FALSE_START + 1)
        )
    return ok[-1]
