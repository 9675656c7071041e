"""The general rules of issue 22's fifth recall round (tuned on heldout4 to heldout6): one new
sentence per rule, written for the rule (no corpus row), in lower case and in the form
faster-whisper writes by default, with the negatives each rule must leave alone."""

from __future__ import annotations

import pytest

from transforms.privacy.pii import redact_text


def _redact(text: str, language: str) -> str:
    return redact_text(text, language).text


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a form's name field asked as a question: the answer is the field, even a common word
        (
            "fr",
            "on remplit la fiche nom ? pinson prénom ? maëlys",
            "on remplit la fiche nom ? <NAME> prénom ? <NAME>",
        ),
        (
            "fr",
            "nom de jeune fille ? euh rossignol",
            "nom de jeune fille ? euh <NAME>",
        ),
        ("en", "surname? baker first name? rowena", "surname? <NAME> first name? <NAME>"),
        # ... not a stop word, a month or an acknowledgement after the question mark
        ("fr", "nom ? euh je sais plus", None),
        ("fr", "le nom ? oui c'est pour le contrat", None),
        ("en", "first name? what do you need it for", None),
        # a named estate with no article, then a dwelling part: "résidence ker …"
        (
            "fr",
            "c'est résidence kerléo bâtiment d appartement 4",
            "c'est <ADDRESS>",
        ),
        # ... not an adjective: "la résidence principale", "résidence secondaire"
        ("fr", "c'est la résidence principale bâtiment b qui a la fuite", None),
        # a British named estate after its house number: "7 the willows"
        ("en", "we're at 7 the willows near the church", "we're at <ADDRESS> near the church"),
        # ... but not a house number with no estate noun, nor the noun with no number
        ("en", "the willows are dying back", None),
        ("en", "i bought 7 the other day", None),
        # a name said back as it was heard, in pieces, beside a question mark
        (
            "fr",
            "c'est madame villaret vie la ré ? oui",
            "c'est madame <NAME> ? oui",
        ),
        ("en", "it's oyelaran ? yeah oy la ran", "it's <NAME> ? yeah <NAME>"),
        # a name, the agent's echo of it, then its spelling: the spelled word opens the name
        ("en", "siobhan shivawn ? s i o b h a n", "<NAME> ? <NAME>"),
        # ... not a day said again in pieces, nor a word with no echo
        ("fr", "vous dites lundi ? lun di", None),
        ("fr", "c'est vraiment vrai ment ?", None),
    ],
)
def test_fifth_round_rules(language: str, text: str, expected: str | None) -> None:
    assert _redact(text, language) == (expected if expected is not None else text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # the same rules on faster-whisper's default form: capitals, commas, full stops
        (
            "fr",
            "Nom ? Pinson. Prénom ? Maëlys.",
            "Nom ? <NAME>. Prénom ? <NAME>.",
        ),
        ("en", "Surname? Baker. First name? Rowena.", "Surname? <NAME>. First name? <NAME>."),
        (
            "fr",
            "C'est Résidence Kerléo, bâtiment D, appartement 4.",
            "C'est <ADDRESS>.",
        ),
        ("en", "We're at 7 The Willows, near the church.", "We're at <ADDRESS>, near the church."),
        # numbers formatted by the model, an e-mail and a postcode closed by a full stop
        (
            "fr",
            "Bonjour, je m'appelle Maëlys Pinson, mon numéro c'est le 06 39 98 41 27.",
            "Bonjour, je m'appelle <NAME>, mon numéro c'est le <PHONE>.",
        ),
        ("en", "My mobile is +44 7700 900123.", "My mobile is <PHONE>."),
        ("en", "You can reach me on 0800-123-456.", "You can reach me on <PHONE>."),
        ("fr", "C'est Maelys.Pinson@orange.fr.", "C'est <EMAIL>."),
        ("en", "The postcode is LS6 2AB.", "The postcode is <ADDRESS>."),
        ("fr", "J'habite au 12 bis, rue des Lilas.", "J'habite au <ADDRESS>."),
    ],
)
def test_fifth_round_rules_in_whisper_form(language: str, text: str, expected: str) -> None:
    assert _redact(text, language) == expected
