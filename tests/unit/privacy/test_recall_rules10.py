"""The general rules of issue 22's tenth recall round (tuned on heldout11: public offices, fraud
lines, deliveries): one new sentence per rule, written for the rule (no corpus row, in a form the
split does not hold), in lower case and in the form faster-whisper writes by default, with the
negatives each rule must leave alone. Every number, code, name and place here is made up."""

from __future__ import annotations

import pytest

from transforms.privacy.pii import redact_text


def _redact(text: str, language: str) -> str:
    return redact_text(text, language).text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # premises open to the public, said with a verb of place: the office's address stays
        ("fr", "la permanence de la mairie se trouve au 9 avenue des tilleuls le jeudi"),
        ("fr", "Le guichet de la préfecture est au 15, boulevard Carnot, fermé le lundi."),
        ("en", "the branch is located at 27 quarry street, open till five"),
        ("en", "Our reception desk is at 3 Foundry Lane, opposite the station."),
    ],
)  # fmt: skip
def test_an_offices_address_is_nobodys(language: str, text: str) -> None:
    assert "<ADDRESS>" not in _redact(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a person's address stays redacted, and so does an office's once a home word comes
        ("fr", "mon appartement est au 9 avenue des tilleuls"),
        ("en", "The branch is near me, I live at 27 Quarry Street."),
        ("en", "my address is 3 foundry lane"),
    ],
)
def test_a_home_address_is_still_redacted(language: str, text: str) -> None:
    assert "<ADDRESS>" in _redact(text, language)


@pytest.mark.parametrize(
    ("language", "text", "kept"),
    [
        # a merchant after a verb of buying or paying, whatever its name sounds like
        ("fr", "j'ai payé chez marcel dubois bricolage avec ma carte", "marcel"),
        ("en", "i never ordered from simon jersey or anywhere else", "simon"),
        ("en", "I've never shopped at Austin Reed in my life.", "Austin"),
        # a word right before a street type names the street
        ("en", "the bus stops on victoria street by the bank", "victoria"),
        ("en", "It's past the school on Grace Avenue somewhere.", "Grace"),
        # a name of several words after "in" is a town
        ("en", "Someone used it at a petrol station in Stoke Mandeville.", "Mandeville"),
        # a job's number is the job's, like an order's
        ("en", "your repair reference is k t four four one nine", "four four one nine"),
        ("fr", "le numéro d'intervention c'est le quatre-vingt-deux zéro sept", "zéro sept"),
    ],
)  # fmt: skip
def test_merchants_streets_towns_and_jobs_stay(language: str, text: str, kept: str) -> None:
    out = _redact(text, language)
    assert kept in out, out


@pytest.mark.parametrize(
    ("language", "text", "placeholder", "gone"),
    [
        # the rules leave people alone: a name spoken to, a name owning the account
        ("en", "i bought it for grace avenell my neighbour", "<NAME>", "avenell"),
        ("en", "The account is in the name of Helen Marsh.", "<NAME>", "Marsh"),
        ("fr", "j'ai acheté la voiture à monsieur dubois", "<NAME>", "dubois"),
        # a caller's own number is still an identifier
        ("en", "my customer number is k t four four one nine", "<ID>", "four four one nine"),
    ],
)  # fmt: skip
def test_people_and_own_numbers_are_still_redacted(
    language: str, text: str, placeholder: str, gone: str
) -> None:
    out = _redact(text, language)
    assert placeholder in out and gone not in out, out


@pytest.mark.parametrize(
    ("language", "text", "gone"),
    [
        # a tax number named by its name is an identifier, not a phone, in any digit shape
        ("en", "My taxpayer number is 0207 946 0018.", "946"),
        ("fr", "Mon numéro fiscal : 01 23 45 67 89 012.", "45 67"),
        ("en", "and the u t r it's nine nine one two oh three four four five six", "four five six"),
    ],
)
def test_a_tax_number_is_an_id(language: str, text: str, gone: str) -> None:
    out = _redact(text, language)
    assert "<ID>" in out and "<PHONE>" not in out and gone not in out, out


def test_the_tax_offices_phone_stays_a_phone() -> None:
    out = _redact("call the tax office on oh two oh seven nine four six oh oh one eight", "en")
    assert "<PHONE>" in out, out


@pytest.mark.parametrize(
    ("language", "text", "gone"),
    [
        # a role, then the person's name in apposition, with no copula between
        ("fr", "le livreur gwendal a laissé le colis chez la voisine", "gwendal"),
        ("en", "The interpreter Oksana Hrytsenko is on the line.", "Hrytsenko"),
        ("en", "so the carer tendai comes on tuesdays", "tendai"),
    ],
)
def test_a_name_after_its_role(language: str, text: str, gone: str) -> None:
    out = _redact(text, language)
    assert "<NAME>" in out and gone not in out, out


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the courier left it by the door"),
        ("en", "the driver yesterday was rude"),
        ("fr", "le technicien demain matin viendra"),
    ],
)
def test_no_name_after_a_role_without_one(language: str, text: str) -> None:
    assert "<NAME>" not in _redact(text, language)
