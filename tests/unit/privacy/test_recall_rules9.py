"""The general rules of issue 22's ninth recall round (tuned on heldout10: callers beyond the home
countries, claims with third parties, diarization slips): one new sentence per rule, written for
the rule (no corpus row, in a form the split does not hold), in lower case and in the form
faster-whisper writes by default, with the negatives each rule must leave alone. Every number,
code and place here is made up."""

from __future__ import annotations

import pytest

from transforms.privacy.pii import redact_text


def _redact(text: str, language: str) -> str:
    return redact_text(text, language).text


def _hidden(text: str, language: str, placeholder: str, gone: list[str]) -> None:
    """``text`` redacted shows ``placeholder`` and none of the pieces in ``gone``."""
    out = _redact(text, language)
    assert placeholder in out, out
    assert not [g for g in gone if g in out], out


@pytest.mark.parametrize(
    ("language", "text", "placeholder", "gone"),
    [
        # the other party's "mm-hmm"/"uh-huh" inside a value: the value runs on across it
        ("en", "call me on oh seven seven oh oh uh-huh nine double oh one two three",
         "<PHONE>", ["nine double", "one two three"]),
        ("en", "Call me on 07700, uh-huh, 900123.", "<PHONE>", ["07700", "900123"]),
        ("en", "my post code is s w one a mm-hmm one a a", "<ADDRESS>", ["one a a"]),
        ("fr", "mon portable c'est le zéro six trente-neuf mhmm quatre-vingt-dix-huit douze trente",
         "<PHONE>", ["quatre-vingt-dix-huit", "douze trente"]),
    ],
)  # fmt: skip
def test_a_value_cut_by_a_backchannel(
    language: str, text: str, placeholder: str, gone: list[str]
) -> None:
    _hidden(text, language, placeholder, gone)


@pytest.mark.parametrize(
    ("language", "text", "gone"),
    [
        # a postcode of any national shape, said as the answer to a postcode cue
        ("en", "and the zip code's uh two seven mm-hmm five one four", ["two seven", "five one"]),
        ("en", "Postal code is M5V, uh-huh, 3L9.", ["M5V", "3L9"]),
        ("en", "my postal code is t three k uh two b six", ["t three k", "two b six"]),
        ("fr", "code postal g un k ouais deux r trois", ["g un k", "deux r trois"]),
        ("en", "my pin code is five one one oh two oh", ["five one one"]),
        ("en", "My PIN code is 411007.", ["411007"]),
    ],
)
def test_a_postcode_of_any_shape_after_its_cue(language: str, text: str, gone: list[str]) -> None:
    _hidden(text, language, "<ADDRESS>", gone)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a card's PIN is no postcode, and a cue with no code after it is none
        ("en", "i forgot my pin code it was four digits"),
        ("en", "what's your postcode? sorry i'll check"),
        ("fr", "je ne connais pas le code postal de ma tante"),
        ("en", "the zip code is on the envelope"),
    ],
)
def test_no_postcode_without_a_code(language: str, text: str) -> None:
    assert "<ADDRESS>" not in _redact(text, language)


@pytest.mark.parametrize(
    "text",
    [
        "vous pouvez me texter au six un trois cinq cinq cinq zéro un deux trois",
        "Mon numéro, c'est le 613 555-0123.",
    ],
)
def test_north_american_numbers_said_in_french(text: str) -> None:
    out = _redact(text, "fr")
    assert "<PHONE>" in out, out
    assert "555" not in out and "cinq cinq cinq" not in out, out


@pytest.mark.parametrize(
    "text",
    [
        # ten digits that are no North American number (area code 1xx): not a phone
        "la référence du virement c'est 1234567890",
        # a valid North American number with no phone word: in French, not a phone either
        "attendez je regarde, 613 555 0123, voilà",
        "J'ai payé 1 500 euros le 12 mars.",
    ],
)
def test_no_phone_from_ten_digits_outside_the_plan(text: str) -> None:
    assert "<PHONE>" not in _redact(text, "fr")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # an employer's or a workplace's address, said as such, is no person's
        ("en", "my employer's head office is at 210 harbour road, leith"),
        ("en", "she works at brackley haulage, ninety two mill lane, in the yard"),
        ("fr", "je travaille chez Morvan Transports, 8 rue des Tanneurs à Quimper."),
        ("fr", "son employeur c'est la carrosserie dulac quarante route de nantes"),
        # a price in a currency of any country is no postcode
        ("en", "it came to twenty two thousand five hundred rupees in the end"),
        ("fr", "j'ai envoyé quinze mille francs cfa à mon frère"),
    ],
)
def test_an_organisations_address_and_prices_are_nobodys(language: str, text: str) -> None:
    out = _redact(text, language)
    assert "<ADDRESS>" not in out, out
    assert "<NAME>" not in out, out


@pytest.mark.parametrize(
    ("language", "text", "gone"),
    [
        # the person's own address after a workplace cue: a residence word gives it back
        ("en", "i work at the depot but i live at 14 fernhill road", ["14 fernhill road"]),
        ("fr", "je travaille chez un garagiste mais j'habite au 5 rue des Lilas", ["5 rue"]),
        # an address with no organisation cue stays redacted
        ("en", "the company sent it to 14 fernhill road", ["14 fernhill road"]),
    ],
)
def test_a_persons_address_near_a_workplace_stays(
    language: str, text: str, gone: list[str]
) -> None:
    _hidden(text, language, "<ADDRESS>", gone)


@pytest.mark.parametrize(
    "text",
    [
        # a postcode's shape at the head of a longer code is no postcode
        "the courier's tracking tag read s e one two a b nine nine",
        "The van was LS12 AB 7731, a rental.",
    ],
)
def test_a_postcode_is_said_whole(text: str) -> None:
    assert "<ADDRESS>" not in _redact(text, "en")


@pytest.mark.parametrize(
    "text",
    [
        "my postcode is s e one two a b",
        "My postcode is SE12 AB, 2 of us live here.",
    ],
)
def test_a_whole_postcode_stays_one(text: str) -> None:
    assert "<ADDRESS>" in _redact(text, "en")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a word said three times running is a spoken ellipsis or a filler, no name
        ("en", "we met at noon dot dot dot"),
        ("en", "We met at noon dot dot dot."),
        ("en", "and then he said blah blah blah about the tariff"),
        ("fr", "et après il m'a fait bla bla bla sur le contrat"),
        # a pronoun and "to be" before "at" make a clause, no e-mail's local part
        ("en", "i was at home dot com so i missed it"),
        ("en", "They were at shop dot com when it crashed."),
    ],
)
def test_runs_and_clauses_are_no_names_nor_emails(language: str, text: str) -> None:
    out = _redact(text, language)
    assert "<NAME>" not in out and "<EMAIL>" not in out, out


@pytest.mark.parametrize(
    ("language", "text", "placeholder"),
    [
        # a name said twice stays a name; an e-mail after "i was" is still one
        ("fr", "christiane euh christiane bouvier", "<NAME>"),
        ("en", "my email is dot dot grant at gmail dot com", "<EMAIL>"),
        ("en", "it was sent to tom dot pryce at example dot com", "<EMAIL>"),
    ],
)
def test_names_said_twice_and_emails_stay(language: str, text: str, placeholder: str) -> None:
    assert placeholder in _redact(text, language)


@pytest.mark.parametrize(
    ("language", "text", "gone"),
    [
        # an address of any country's shape, given as the answer to an address cue
        ("en", "her address is plot nine, mm-hmm, kisementi road, arusha", ["plot nine", "arusha"]),
        ("en", "My address is 7/21 Banksia Terrace, Ballarat.", ["7/21", "Ballarat"]),
        ("fr", "mon frère il habite au douze résidence les palmiers à abidjan", ["douze"]),
        ("fr", "L'adresse de ma mère, c'est BP 4410, Ouagadougou.", ["4410", "Ouagadougou"]),
        ("en", "the other driver lives at sixty one, uh-huh, hollyhock way", ["sixty one"]),
        # a unit and house number joined by a slash open a street line
        ("en", "it's 12/4 wattle street", ["12/4 wattle street"]),
    ],
)
def test_an_address_given_as_the_answer_to_its_cue(
    language: str, text: str, gone: list[str]
) -> None:
    _hidden(text, language, "<ADDRESS>", gone)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # no number opening the answer: no address by this rule
        ("en", "the address is the same as on the bill"),
        ("fr", "j'habite à lyon depuis trois ans"),
        ("en", "she lives at home with two kids"),
        ("fr", "l'adresse c'est bon, vous l'avez"),
        ("en", "i live at the end of the line, it takes 20 minutes"),
    ],
)
def test_an_address_cue_with_no_address_after_it(language: str, text: str) -> None:
    assert "<ADDRESS>" not in _redact(text, language)


@pytest.mark.parametrize(
    ("language", "text", "gone"),
    [
        # a name said twice across the other party's backchannel
        ("en", "the claimant is oduya mm-hmm oduya braithwaite", ["oduya braithwaite"]),
        ("en", "The claimant is Marisol, uh-huh, Marisol Quintero.", ["Quintero"]),
    ],
)
def test_a_name_cut_by_a_backchannel(language: str, text: str, gone: list[str]) -> None:
    _hidden(text, language, "<NAME>", gone)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a card named as an identity or health document holds an identifier, no payment card
        ("fr", "le numéro sur ma carte de séjour c'est le 2 981 0544 71230"),
        ("en", "My national ID card number is 4 4021 8830 1127."),
    ],
)
def test_a_document_card_holds_an_id(language: str, text: str) -> None:
    out = _redact(text, language)
    assert "<CARD>" not in out, out
    assert "<ID>" in out, out


def test_a_payment_card_stays_a_card() -> None:
    out = _redact("le numéro de ma carte bleue c'est le 4970 1012 3456 7899", "fr")
    assert "<CARD>" in out, out


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        # a dwelling's number said with "numéro" closes a named estate's line
        ("on habite résidence kerbihan numéro douze", ["kerbihan", "douze"]),
        ("Il habite hameau de Keravel, numéro 7.", ["Keravel", "7"]),
    ],
)
def test_a_dwelling_number_after_a_named_estate(text: str, gone: list[str]) -> None:
    _hidden(text, "fr", "<ADDRESS>", gone)


def test_a_numbered_thing_after_an_estate_word_is_no_address() -> None:
    out = _redact("c'est la résidence principale numéro un de ma liste", "fr")
    assert "<ADDRESS>" not in out, out
