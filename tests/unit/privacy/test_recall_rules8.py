"""The general rules of issue 22's eighth recall round (tuned on heldout9: regional callers and
Whisper's artefacts): one new sentence per rule, written for the rule (no corpus row), in lower
case and in the form faster-whisper writes by default, with the negatives each rule must leave
alone. Every number, code and place here is made up."""

from __future__ import annotations

import pytest

from transforms.privacy.pii import redact_text


def _redact(text: str, language: str) -> str:
    return redact_text(text, language).text


@pytest.mark.parametrize(
    ("language", "text", "gone"),
    [
        # four digits then a town after a street line (Belgium, Switzerland) ...
        ("fr", "on habite au douze chaussée de la hulpe, 1170 watermael", ["1170", "watermael"]),
        ("fr", "On habite au 12, chaussée de la Hulpe, 1170 Watermael.", ["1170", "Watermael"]),
        # ... or after a postcode cue, said in words with a hesitation
        ("fr", "le code postal c'est mille sept cents euh fribourg", ["mille sept", "fribourg"]),
        ("fr", "Le code postal, c'est 2000 Neuchâtel.", ["2000", "Neuchâtel"]),
        # a post-office box, with the postcode and town after it
        ("fr", "case postale quarante-huit 2000 neuchâtel", ["quarante-huit", "neuchâtel"]),
        ("fr", "Case postale 48, 2000 Neuchâtel.", ["48", "Neuchâtel"]),
        ("en", "send it to po box seventeen please", ["seventeen"]),
    ],
)
def test_four_digit_postcodes_and_po_boxes(language: str, text: str, gone: list[str]) -> None:
    out = _redact(text, language)
    assert "<ADDRESS>" in out
    assert not [g for g in gone if g in out], out


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # four digits with no address before them and no cue: a price, a year, a count
        ("fr", "j'ai payé 1500 euros le mois dernier"),
        ("fr", "en 2019 la facture a doublé"),
        ("fr", "Il y a 1200 clients à Lyon."),
        # a box phrase with no number
        ("fr", "ma boîte postale déborde de publicités"),
    ],
)
def test_four_digits_alone_are_no_postcode(language: str, text: str) -> None:
    assert "<ADDRESS>" not in _redact(text, language)


@pytest.mark.parametrize(
    ("language", "text", "gone"),
    [
        # an Eircode: routing key (letter, two digits), then four characters, one a letter
        ("en", "my eircode is v ninety four h k seven two", ["ninety four", "h k"]),
        ("en", "The Eircode is V94 HK72.", ["V94", "HK72"]),
        ("en", "it's d zero two x two eight five thanks", ["zero two", "eight five"]),
    ],
)
def test_eircodes(language: str, text: str, gone: list[str]) -> None:
    out = _redact(text, language)
    assert "<ADDRESS>" in out
    assert not [g for g in gone if g in out], out


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a letter and six digits is an identifier's shape, not an Eircode
        ("en", "the ticket is c four seven two eight nine one"),
        # a room and a seat
        ("en", "the meeting is in room b twelve at ten"),
        ("en", "It's seat A12, row four."),
    ],
)
def test_no_eircode_without_its_shape(language: str, text: str) -> None:
    assert "<ADDRESS>" not in _redact(text, language)


@pytest.mark.parametrize(
    ("language", "text", "gone"),
    [
        # Irish rural addresses: a townland (and the parish after it) and a county
        ("en", "we're in the townland of derrylea, clonbur", ["derrylea", "clonbur"]),
        ("en", "We're in the townland of Derrylea, Clonbur.", ["Derrylea", "Clonbur"]),
        ("en", "it's the old farm, county mayo", ["mayo"]),
        ("en", "The old farm, Co. Mayo, is ours.", ["Mayo"]),
    ],
)
def test_townlands_and_counties(language: str, text: str, gone: list[str]) -> None:
    out = _redact(text, language)
    assert "<ADDRESS>" in out
    assert not [g for g in gone if g in out], out


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the townland is lovely this time of year"),
        ("en", "i rang the county council twice"),
    ],
)
def test_townland_and_county_words_alone(language: str, text: str) -> None:
    assert "<ADDRESS>" not in _redact(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # Whisper's loop over a silence: the same phone number written again and again
        (
            "en",
            "it's oh eight seven one two three four five six seven oh eight seven one two three"
            " four five six seven",
        ),
        ("en", "It's 087 123 4567 087 123 4567 087 123 4567."),
        # a Belgian landline (nine digits), a Swiss mobile
        ("fr", "mon fixe c'est le 02 512 34 56"),
        ("fr", "Mon natel, c'est le 079 123 45 67."),
    ],
)
def test_regional_phones_and_loops(language: str, text: str) -> None:
    out = _redact(text, language)
    assert "<PHONE>" in out
    assert not {"<ID>", "<CARD>", "<NIR>"} & set(out.split()), out


def test_a_repeated_number_that_is_no_phone_is_no_phone() -> None:
    out = _redact(
        "the order is one two three four five six seven eight nine one two three four five six"
        " seven eight nine",
        "en",
    )
    assert "<PHONE>" not in out


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # national numbers named by their name: identifiers whatever checksum they pass by chance
        ("fr", "mon numéro avs c'est le 756.1234.5678.97"),
        ("fr", "Mon numéro AVS, c'est le 756.1234.5678.97."),
        ("en", "my pps number is one two three four five six seven t"),
        # a device's fifteen digits that pass the NIR key are still the device's
        ("fr", "l'imei c'est le 185057512345673"),
    ],
)
def test_named_national_numbers_are_ids(language: str, text: str) -> None:
    out = _redact(text, language)
    assert "<ID>" in out
    assert not {"<PHONE>", "<CARD>", "<NIR>"} & set(out.replace(".", " ").split()), out


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a domain's last label said again, repaired, with no "dot" between
        ("en", "it's tamsin at gmail dot con com sorry", "it's <EMAIL> sorry"),
        ("fr", "c'est maelys arobase orange point ft fr pardon", "c'est <EMAIL> pardon"),
        ("en", "It's tamsin at gmail dot con com, sorry.", "It's <EMAIL>, sorry."),
        # no e-mail without the repaired label making a real domain
        ("en", "i'll be at work dot then home", "i'll be at work dot then home"),
    ],
)
def test_a_repaired_top_level_domain(language: str, text: str, expected: str) -> None:
    assert _redact(text, language) == expected
