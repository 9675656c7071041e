"""The general rules of issue 22's third recall round (tuned on heldout5): one new sentence per
rule, written for the rule (no corpus row), in the shapes Whisper writes, with the negatives each
rule must leave alone."""

from __future__ import annotations

import pytest

from transforms.privacy.pii import redact_text


def _redact(text: str, language: str, patterns: tuple[str, ...] = ()) -> str:
    return redact_text(text, language, id_patterns=patterns).text


@pytest.mark.parametrize(
    ("language", "text", "patterns", "expected"),
    [
        # an acknowledgement inside an id the tenant's whole pattern matches, opened by letters
        # that are a word form in French ("fam", "pec")
        ("fr", "alors c'est lot 81 oui 530 voilà", (r"LOT[0-9]{5}",), "alors c'est <ID> voilà"),
        # a holder noun bound to "numéro"/"number" announces an id of that person ...
        (
            "fr",
            "le numéro d'allocataire c'est 4 81 22 09",
            (),
            "le numéro d'allocataire c'est <ID>",
        ),
        ("en", "my student number is 20 77 41 38", (), "my student number is <ID>"),
        # ... and its opening letters belong to it
        ("fr", "mon numéro de patient c'est ko 31 77 05", (), "mon numéro de patient c'est <ID>"),
        # ... but the holder noun alone names no number
        ("fr", "ma famille arrive le 14 à 10 heures", (), None),
        ("en", "the patient in bed 12 is asleep", (), None),
        # an animal's tattoo or chip announces its identifier (it leads to the owner)
        (
            "fr",
            "la chatte est tatouée trois r t v cinq cent huit",
            (),
            "la chatte est tatouée <ID>",
        ),
        ("en", "he's microchipped it's kp 40 19 82", (), "he's microchipped it's <ID>"),
    ],
)
def test_identifiers(language, text, patterns, expected) -> None:
    assert _redact(text, language, patterns) == (expected or text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a hold inside a phone number read out: it goes on where it stopped
        ("en", "you can ring me on 0161 496, bear with me, 0733", "you can ring me on <PHONE>"),
        (
            "fr",
            "c'est le 04 72 18 attendez 55 90 pour me rappeler",
            "c'est le <PHONE> pour me rappeler",
        ),
    ],
)
def test_phone_with_a_hold(language, text, expected) -> None:
    assert _redact(text, language) == expected


def test_arobase_cut_after_a_written_a_grave() -> None:
    assert _redact("c'est lou point vannier à robase free point fr", "fr") == "c'est <EMAIL>"


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a closed class grows: British street types ("croft", "chase", "fold", "garth" …)
        ("en", "we moved to 12 hazel croft last spring", "we moved to <ADDRESS> last spring"),
        # a street type heard as its homophone, with its house number
        ("en", "it's 7 larkspur weigh near the school", "it's <ADDRESS> near the school"),
        # ... never after a unit word
        ("en", "it was 20 kilos weigh it yourself", None),
        # a units word heard as its homophone after a tens word: "sixty to" is 62
        ("en", "that's sixty to marlow road", "that's <ADDRESS>"),
        ("en", "i'll be there at twenty to five", None),
        # a number word after a particle inside a French street's name
        (
            "fr",
            "j'habite au 9 chemin des quatre moulins",
            "j'habite au <ADDRESS>",
        ),
        ("fr", "on a payé 12 euros pour des trois", None),
        # "o" after a postcode area's first letter is a letter ("s o", "c o", "y o"), not zero
        ("en", "the postcode is c o four, uh, nine l t", "the postcode is <ADDRESS>"),
    ],
)
def test_addresses(language, text, expected) -> None:
    assert _redact(text, language) == (expected or text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a transfer or hand-over puts a person on the line
        (
            "en",
            "i've got tadhg ferrier on the line about his mortgage",
            "i've got <NAME> on the line about his mortgage",
        ),
        ("en", "i've got ines okafor on hold for you", "i've got <NAME> on hold for you"),
        (
            "fr",
            "j'ai monsieur brissac en ligne pour vous",
            "j'ai monsieur <NAME> en ligne pour vous",
        ),
        # ... but not a thing or a team
        ("en", "i've got the paperwork on hold", None),
        ("en", "i've got two calls on hold", None),
        ("fr", "j'ai le service comptable en ligne", None),
    ],
)
def test_names(language, text, expected) -> None:
    assert _redact(text, language) == (expected or text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a name checked back as a question, then spelled or repaired
        (
            "en",
            "so it's ruari maguire ? no mcguire m c g u i r e",
            "so it's <NAME> ? no <NAME> <NAME>",
        ),
        (
            "fr",
            "vous dites bernier ? non vernier v e r n i e r",
            "vous dites <NAME> ? non <NAME> <NAME>",
        ),
        ("en", "is that right ? no that's wrong", None),
        # a remark that a letter is single, or on an apostrophe, after a name
        ("fr", "c'est marcelle benhamou avec un seul m", "c'est <NAME> avec un seul m"),
        ("en", "i'd like just the one t shirt", None),
        # a colleague called by name at the start of a turn
        ("en", "maeve could you take this one", "<NAME> could you take this one"),
        ("fr", "dounia tu peux prendre la ligne deux", "<NAME> tu peux prendre la ligne deux"),
        ("en", "sorry can you repeat that", None),
        ("fr", "bon tu peux répéter", None),
    ],
)
def test_names_checked_and_called(language, text, expected) -> None:
    assert _redact(text, language) == (expected or text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a kin word after a name in no list (lexicon words that are no common words)
        (
            "en",
            "it's in joint names with farida hossain my sister",
            "it's in joint names with <NAME> my sister",
        ),
        ("en", "we drove to leeds my wife and i", None),
        ("en", "i bought a new car my wife hates it", None),
    ],
)
def test_kin_word_after_a_name(language, text, expected) -> None:
    assert _redact(text, language) == (expected or text)
