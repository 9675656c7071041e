"""The general rules of issue 22's sixth recall round (tuned on heldout7): one new sentence per
rule, written for the rule (no corpus row), in lower case and in the form faster-whisper writes by
default, with the negatives each rule must leave alone."""

from __future__ import annotations

import pytest

from transforms.privacy.pii import redact_text

#: A tenant whose customer numbers are ten digits: the length of a French phone number.
TEN_DIGITS = ("[0-9]{10}",)


def _redact(text: str, language: str, patterns: tuple[str, ...] = ()) -> str:
    return redact_text(text, language, id_patterns=patterns).text


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a phone number the tenant's all-digit id pattern also matches, with no word naming the
        # customer's identifier before it (or a phone word nearer): a phone
        (
            "fr",
            "mon ancien numéro c'était le 01 99 00 52 61 le nouveau c'est le 06 39 98 20 14",
            "mon ancien numéro c'était le <PHONE> le nouveau c'est le <PHONE>",
        ),
        (
            "fr",
            "le portable de mon mari c'est zéro six trente-neuf quatre-vingt-dix-huit douze zéro "
            "un",
            "le portable de mon mari c'est <PHONE>",
        ),
        ("en", "my old number was 01 99 00 52 61", "my old number was <PHONE>"),
        # ... but the customer's number when a word names it, even in a phone's shape
        ("fr", "mon numéro d'abonné c'est le 01 99 00 52 61", "mon numéro d'abonné c'est le <ID>"),
        ("fr", "la référence client 0199005261", "la référence client <ID>"),
        ("en", "my account number is 1234567890", "my account number is <ID>"),
    ],
)
def test_a_phone_the_tenant_pattern_also_matches(language: str, text: str, expected: str) -> None:
    assert _redact(text, language, TEN_DIGITS) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # the serial of a thing the caller says is theirs: their identifier
        (
            "fr",
            "le numéro de série de mon chauffe-eau c'est 7 3 0 2 5 5 1 8 6 4",
            "le numéro de série de mon chauffe-eau c'est <ID>",
        ),
        ("en", "the serial on my cooker is 8 4 1 0 2 2 6 9 3 7", "the serial on my cooker is <ID>"),
        # ... not a serial said of no one's thing, nor an order's reference
        ("fr", "le numéro de série du modèle c'est 7 3 0 2 5 5 1 8 6 4", None),
        ("en", "my order reference is 8 4 1 0 2 2 6 9 3 7", None),
    ],
)
def test_sixth_round_rules(language: str, text: str, expected: str | None) -> None:
    assert _redact(text, language) == (expected if expected is not None else text)


@pytest.mark.parametrize(
    ("language", "text", "expected", "patterns"),
    [
        # the same rules on faster-whisper's default form: capitals, commas, formatted numbers
        (
            "fr",
            "Mon ancien numéro, c'était le 01 99 00 52 61, maintenant c'est le 06 39 98 20 14.",
            "Mon ancien numéro, c'était le <PHONE>, maintenant c'est le <PHONE>.",
            TEN_DIGITS,
        ),
        (
            "fr",
            "Mon numéro d'abonné, c'est le 0199005261.",
            "Mon numéro d'abonné, c'est le <ID>.",
            TEN_DIGITS,
        ),
        (
            "fr",
            "Le numéro de série de mon chauffe-eau, c'est 7302551864.",
            "Le numéro de série de mon chauffe-eau, c'est <ID>.",
            (),
        ),
        ("en", "The serial on my cooker is 8410226937.", "The serial on my cooker is <ID>.", ()),
        ("en", "My order reference is 8410226937.", "My order reference is 8410226937.", ()),
    ],
)
def test_sixth_round_rules_in_whisper_form(
    language: str, text: str, expected: str, patterns: tuple[str, ...]
) -> None:
    assert _redact(text, language, patterns) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a message passed on to someone: the name after "dites à", "a message for"
        (
            "fr",
            "dites à gwendal le plombier que la clé est sous le pot",
            "dites à <NAME> le plombier que la clé est sous le pot",
        ),
        (
            "en",
            "can i leave a message for tamsin please",
            "can i leave a message for <NAME> please",
        ),
        # ... not a common word there
        ("fr", "dites à la dame de l'accueil que je passe demain", None),
        ("en", "can i leave a message for reception please", None),
    ],
)
def test_a_message_passed_on_names_its_recipient(
    language: str, text: str, expected: str | None
) -> None:
    assert _redact(text, language) == (expected if expected is not None else text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # the same in faster-whisper's form
        (
            "fr",
            "Dites à Gwendal le plombier que la clé est sous le pot.",
            "Dites à <NAME> le plombier que la clé est sous le pot.",
        ),
        (
            "en",
            "Can I leave a message for Tamsin, please?",
            "Can I leave a message for <NAME>, please?",
        ),
        # capitalised words after a possessive kin word, across an apposition's comma, even words
        (
            "en",
            "I'm ringing for my daughter, Poppy Thornbury, she's away.",
            "I'm ringing for my daughter, <NAME>, she's away.",
        ),
        ("fr", "C'est pour ma fille, Prune Castagnet.", "C'est pour ma fille, <NAME>."),
        # ... not a pronoun, a day or a word after the comma
        ("en", "It's about my son, he's at uni.", None),
        ("en", "My husband, Tuesday he rang you.", None),
        # a brand or a model beside the thing it names: no person
        (
            "fr",
            "On a une chaudière Frisquet Hydromotrix, le modèle Prestige Visio.",
            None,
        ),
        ("fr", "Je prends le dentifrice Elgydium.", None),
        # ... but a person after a role noun stays a name, and English puts a person there
        (
            "en",
            "I'm the tenant Gwendal Kervella, flat two.",
            "I'm the tenant <NAME>, flat two.",
        ),
        (
            "fr",
            "Le technicien Gwendal Kervella passera demain.",
            "Le technicien <NAME> passera demain.",
        ),
    ],
)
def test_sixth_round_name_rules_in_whisper_form(
    language: str, text: str, expected: str | None
) -> None:
    assert _redact(text, language) == (expected if expected is not None else text)
