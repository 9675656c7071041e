"""The general rules of issue 22's eleventh recall round (tuned on heldout12: telecom support,
letting agencies, schools, estates, and digits heard as homophones): one new sentence per rule,
written for the rule (no corpus row, in a form the split does not hold), in lower case and in
the form faster-whisper writes by default, with the negatives each rule must leave alone. Every
number, code, name and place here is made up."""

from __future__ import annotations

import pytest

from transforms.privacy.pii import redact_text
from transforms.privacy.pii.tokens import hear_digits, tokenize


def _redact(text: str, language: str) -> str:
    return redact_text(text, language).text


def _heard(text: str, language: str) -> str:
    return " ".join(t.text for t in hear_digits(tokenize(text), language))


# ----------------------------------------------------------------------------- false alarms


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a device's or a network's address is no place
        ("en", "what's the ip address of the router? it's one nine two dot one six eight"),
        ("en", "The hardware address is 3C:22:FB:10:7A:04, printed under the box."),
        ("fr", "l'adresse ip du décodeur c'est dix point zéro point zéro point douze"),
        ("fr", "Son adresse MAC, c'est 9E:41:0B:22:C3:7F."),
    ],
)  # fmt: skip
def test_a_device_address_is_no_address(language: str, text: str) -> None:
    assert "<ADDRESS>" not in _redact(text, language)


@pytest.mark.parametrize(
    ("language", "text", "kept"),
    [
        # a saint's compound names a church, a school, a street or a town
        ("fr", "la messe aura lieu en la chapelle sainte-anne mardi", "sainte-anne"),
        ("fr", "Les enfants vont à l'école Saint-Joseph depuis la rentrée.", "Saint-Joseph"),
        # a word of the lists right after a written quantity is its unit
        ("en", "the speed test says 72 meg on the laptop", "meg"),
        # a plural street type after a premises noun: the office's street, not a person
        ("fr", "le bureau est au 4, allées Paul-Riquet, au premier étage", "Paul-Riquet"),
    ],
)  # fmt: skip
def test_places_and_units_are_no_names(language: str, text: str, kept: str) -> None:
    assert kept in _redact(text, language)


@pytest.mark.parametrize(
    ("language", "text", "gone"),
    [
        # a person's address on a plural street type, and a surname after a first name
        ("fr", "j'habite au 4 allées paul-riquet à béziers", "paul-riquet"),
        ("fr", "mon fils s'appelle antoine saint-clair", "saint-clair"),
        # a zero said twice inside a phone number is still a phone number
        ("en", "call me on oh oh four four one six three eight nine two two", "four four one"),
    ],
)  # fmt: skip
def test_people_and_their_addresses_are_still_redacted(language: str, text: str, gone: str) -> None:
    assert gone not in _redact(text, language)


# ----------------------------------------------------------------------------- homophones


@pytest.mark.parametrize(
    ("language", "text", "heard"),
    [
        # inside a run of digits, a homophone is its digit
        ("en", "my work number is oh one four too ate seven for three nine", "two eight"),
        ("en", "It's oh seven nine ate, three for one one two.", "nine eight"),
        ("fr", "mon portable c'est le zéro six vin cette cinquante et un", "vingt sept"),
        ("fr", "Le montant de référence, c'est trois mil deux sans dix.", "mille deux cent"),
        # letters heard as words inside a spelled code
        ("en", "the reference is double you why three sea nine", "y three c nine"),
        ("en", "postcode's ex why twelve for see you", "x y twelve four c u"),
    ],
)  # fmt: skip
def test_a_homophone_is_a_digit_inside_a_code(language: str, text: str, heard: str) -> None:
    assert heard in _heard(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # never alone: the same words in ordinary speech stay words
        ("en", "i waited for two weeks and then went to see you"),
        ("en", "open from nine to five, thank you"),
        ("en", "why are you asking me for my date of birth"),
        ("fr", "cette semaine j'ai bu du vin sans alcool"),
        ("fr", "Cette box, je l'ai depuis deux ans, sans problème."),
        # beside written digits, in a range, or spelling a name with no digit
        ("en", "I've got 07700 900 112 for you, and 020 7946 0018 to ring."),
        ("en", "it went from forty nine ninety nine to fifty four ninety"),
        ("fr", "c'est m a r t i n sans accent, m a r t i n"),
    ],
)  # fmt: skip
def test_a_homophone_alone_stays_a_word(language: str, text: str) -> None:
    assert _heard(text, language) == " ".join(t.text for t in tokenize(text))


@pytest.mark.parametrize(
    ("language", "text", "gone", "placeholder"),
    [
        ("en", "get me on oh seven nine too two one for ate ate six oh", "ate ate", "PHONE"),
        ("en", "My landline is oh one six three too nine four ate two oh one.", "too", "PHONE"),
        ("fr", "rappelez au zéro quatre vin deux soixante cette douze quarante", "cette", "PHONE"),
        ("en", "the account number is q why seven seven for too oh ate", "seven seven for", "ID"),
        ("en", "postcode's ess why ten for tea why", "ten for tea", "ADDRESS"),
    ],
)  # fmt: skip
def test_a_value_heard_as_homophones_is_redacted(
    language: str, text: str, gone: str, placeholder: str
) -> None:
    redacted = _redact(text, language)
    assert gone not in redacted
    assert f"<{placeholder}>" in redacted


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the engineer comes between nine to twelve for two hours"),
        ("en", "I'll be there for 2, and I'd like to pay £40 for it."),
        ("fr", "cette année ils ont vendu vingt mille bouteilles sans compter les caisses"),
    ],
)  # fmt: skip
def test_times_and_amounts_with_homophones_stay(language: str, text: str) -> None:
    redacted = _redact(text, language)
    assert "<PHONE>" not in redacted and "<ID>" not in redacted


# ----------------------------------------------------------------------------- restarts


@pytest.mark.parametrize(
    ("language", "text", "gone"),
    [
        # false starts that open the phone itself, then the whole number: one phone
        ("en", "my line is oh two oh two oh two oh seven nine four six oh eight one", "oh two"),
        ("fr", "le zéro six zéro six zéro six trente-neuf quatre-vingt-dix-huit dix", "zéro six"),
        ("en", "It's oh one oh one, oh one six three two nine six oh four one two.", "oh one"),
        # "double" and a homophone in one number
        ("en", "ring me on oh seven seven double oh nine double oh for two ate", "double oh for"),
    ],
)  # fmt: skip
def test_a_restarted_phone_is_one_phone(language: str, text: str, gone: str) -> None:
    redacted = _redact(text, language)
    assert gone not in redacted
    assert "<PHONE>" in redacted and "<ID>" not in redacted


def test_an_account_number_is_still_an_id() -> None:
    redacted = _redact("the account number is four four two four four two nine one three", "en")
    assert "<ID>" in redacted


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a stop word right after "dot"/"point" is a piece of the local part
        ("en", "it's tom dot in at outlook dot com"),
        ("en", "Write to Bea dot Is at Proton dot me."),
        ("fr", "c'est paul point et arobase orange point fr"),
    ],
)  # fmt: skip
def test_a_stop_word_after_a_dot_is_part_of_the_local_part(language: str, text: str) -> None:
    redacted = _redact(text, language)
    assert "<EMAIL>" in redacted and "dot" not in redacted and "point" not in redacted


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "i am at gmail dot com every day, not hotmail"),
        ("fr", "je suis arobase free point fr"),
    ],
)  # fmt: skip
def test_no_local_part_without_a_joiner(language: str, text: str) -> None:
    assert "<EMAIL>" not in _redact(text, language)
