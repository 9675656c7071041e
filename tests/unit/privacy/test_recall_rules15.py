"""The general rules of issue 22's fifteenth recall round (tuned on heldout17: energy and water
suppliers, recruitment agencies and job centres, nurseries, parcel lockers, radio alphabets, name
particles): sentences written for each rule (no corpus row), in lower case and in the form
faster-whisper writes by default, with the hard negatives each rule must leave alone. Every
number, code, name, street and place here is made up."""

from __future__ import annotations

import pytest

from tests.unit.privacy.spans import covered, names, spans
from transforms.privacy.pii import find_pii

# ------------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("language", "text", "name"),
    [
        # a person asked for by a caller, ending the question
        ("en", "hello could i speak to tamsin? it's about the boiler", "tamsin"),
        ("en", "Hello, could I speak to Tamsin? It's about the boiler.", "tamsin"),
        ("en", "can i talk to oswin please", "oswin"),
        ("fr", "bonjour je voudrais parler à maëlys ?", "maëlys"),
        # a name given after a person's pronoun and "called"
        ("en", "my youngest he's called torin he starts in september", "torin"),
        ("en", "My youngest, he's called Torin, he starts in September.", "torin"),
        ("fr", "ma fille elle s'appelle anouchka elle a trois ans", "anouchka"),
        # a person noun before "called", an initial after it
        ("en", "the form was signed by a lady called r threlkeld apparently", "r threlkeld"),
        ("en", "there was a bloke called orrin at the depot", "orrin"),
        # a caller's report of whom they spoke to
        ("en", "i spoke to eluned on tuesday and she said it was sorted", "eluned"),
        ("en", "I spoke to Eluned on Tuesday and she said it was sorted.", "eluned"),
        ("fr", "j'ai parlé à soizic la semaine dernière", "soizic"),
        # French "je suis" before a name of the lists or two words of no language
        ("fr", "bonjour je suis gwenaëlle kerbrat j'appelle pour ma facture", "gwenaëlle kerbrat"),
        # a name with a possessive before a kin word; the "'s" stays out of the name
        ("en", "hiya i'm lowen's dad he's in the baby room", "lowen"),
        ("en", "Hiya, I'm Lowen's dad, he's in the baby room.", "lowen"),
    ],
)  # fmt: skip
def test_names_by_a_request_a_pronoun_or_a_kin_word(language: str, text: str, name: str) -> None:
    assert name in names(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a common word asked for, a thing called something, a common word before a kin word
        ("en", "could i speak to someone in billing?"),
        ("en", "Could I speak to someone in billing?"),
        ("en", "can i talk to you about my bill?"),
        ("en", "the tariff's called fixed saver and it ends in june"),
        ("en", "he's called back twice today"),
        ("en", "my friend's mum picks him up on fridays"),
        ("en", "we got a kitten last week and she's called pipkinette"),
        ("en", "i spoke to someone in your office on monday"),
        ("en", "there's a place called the anchor by the bridge"),
        ("fr", "je suis désolée je suis perdue avec cette facture"),
        ("fr", "je suis cliente depuis dix ans"),
        ("en", "the teacher's husband was at the gate"),
    ],
)  # fmt: skip
def test_no_name_by_a_request_a_pronoun_or_a_kin_word(language: str, text: str) -> None:
    assert names(text, language) == []


@pytest.mark.parametrize(
    ("language", "text", "said"),
    [
        # a particle name said, heard glued, then spelled: every mention is the name
        ("fr", "c'est le bris lebri ? non en deux mots l e b r i s", ["le bris", "lebri"]),
        ("fr", "C'est Le Bris Lebri ? Non en deux mots L E B R I S.", ["le bris", "lebri"]),
        ("en", "it's van der berg vanderburg? no three words v a n d e r b e r g",
         ["van der berg", "vanderburg"]),
        # a surname said again right after its spelling, even when it is a word too
        ("en", "the name's marsh marsh? yes m a r s h marsh", ["marsh"]),
    ],
)  # fmt: skip
def test_the_words_a_spelling_spells(language: str, text: str, said: list[str]) -> None:
    for part in said:
        assert covered(text, language, part, "NAME"), part


def test_the_words_a_spelling_spells_a_few_words_after_it() -> None:
    text = "c'est ben amar b e n a m a r karim ben amar"
    at = text.rindex("ben amar")
    assert any(
        s.start <= at and at + len("ben amar") <= s.end and s.entity == "NAME"
        for s in find_pii(text, "fr")
    )


def test_a_spelling_names_no_word_unlike_it() -> None:
    text = "the parcel is for le bris l e b r i s, the blue door"
    assert not covered(text, "en", "blue door")


# -------------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # a town between the street and the postcode, or after a comma before the postcode
        ("My new place is 14 Quarrystone Way, Market Deeping, PE6 8QT.",
         "14 quarrystone way, market deeping, pe6 8qt"),
        ("Send it to 2 Wick Bank, Upper Hambleton, LE15 8TJ.", "upper hambleton, le15 8tj"),
        # a street named by a possessive noun
        ("we're at nine ropemaker's walk, wainfleet", "nine ropemaker's walk"),
    ],
)  # fmt: skip
def test_towns_and_possessive_streets_are_addresses(text: str, address: str) -> None:
    assert (address, "ADDRESS") in spans(text, "en")


def test_a_name_before_a_postcode_with_no_comma_before_it_stays_a_name() -> None:
    text = "Hello Mr Dunstable here, my postcode is PE6 8QT."
    assert "dunstable" in names(text, "en")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # an employer's site, a unit on an estate
        ("en", "The assessment is at the employer's site, Unit 7, Ferry Road Trading Estate."),
        ("en", "the assessment is at the employer's site, unit seven, ferry road"),
    ],
)  # fmt: skip
def test_an_employers_site_is_no_address(language: str, text: str) -> None:
    assert "ADDRESS" not in {e for _, e in spans(text, language)}


def test_a_unit_at_home_stays_an_address() -> None:
    text = "i live at unit 3, 22 tannery lane"
    assert any(e == "ADDRESS" for _, e in spans(text, "en"))


# ------------------------------------------------------------------------------ identifiers


@pytest.mark.parametrize(
    ("language", "text", "number"),
    [
        # a number dictated, broken off and said again from its start
        ("en", "it's four seven no four eight one one two that's on the letter", "four eight one"),
        ("en", "It's four seven, no, four eight one one two, that's on the letter.",
         "four eight one"),
        ("fr", "c'est sept trois cinq pardon sept trois six quarante-deux onze", "sept trois six"),
    ],
)  # fmt: skip
def test_a_number_said_again_from_its_start_is_an_id(language: str, text: str, number: str) -> None:
    assert covered(text, language, number, "ID")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a reading, an amount, a year repaired; a phone number going on where it stopped
        ("en", "the reading is five two one no five two two four eight"),
        ("en", "it came to one two four no one two six five pounds"),
        ("en", "she was born in twenty nineteen no twenty twenty"),
        # a number announced by a noun (a listing, an order) rather than given as itself
        ("en", "the listing's five two no five two eight one one"),
    ],
)  # fmt: skip
def test_no_id_for_a_repaired_quantity(language: str, text: str) -> None:
    assert "ID" not in {e for _, e in spans(text, language)}


def test_a_phone_repaired_where_it_stopped_stays_a_phone() -> None:
    text = "call me on oh two oh seven nine four six, sorry, oh eight one five"
    assert {e for _, e in spans(text, "en")} == {"PHONE"}


def test_a_vacancys_number_is_no_id() -> None:
    text = "The vacancy number on the website is 20417736, it's a warehouse job."
    assert spans(text, "en") == []


def test_an_acronyms_letter_after_a_determiner_is_no_title() -> None:
    text = "the m pan is one four eight two nine zero three five five one seven double six"
    assert names(text, "en") == []
    assert names("bonjour m dupré", "fr") == ["dupré"]


# -------------------------------------------------------------------------------- e-mails


@pytest.mark.parametrize(
    ("language", "text", "word"),
    [
        ("fr", "c'est jb point roussel arobase free point fr j b comme jean-baptiste",
         "jean-baptiste"),
        ("en", "it's kt dot holm at gmail dot com k t for kestrel", "kestrel"),
    ],
)  # fmt: skip
def test_letters_explained_after_an_email_are_the_emails(
    language: str, text: str, word: str
) -> None:
    assert covered(text, language, word, "EMAIL")
    assert names(text, language) == []


def test_letters_the_email_does_not_hold_are_not_the_emails() -> None:
    text = "it's kt dot holm at gmail dot com and i'm tom z for zulu"
    assert not covered(text, "en", "zulu", "EMAIL")
