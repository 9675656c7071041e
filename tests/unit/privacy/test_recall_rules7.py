"""The general rules of issue 22's seventh recall round (tuned on heldout8): one new sentence per
rule, written for the rule (no corpus row), in lower case and in the form faster-whisper writes by
default, with the negatives each rule must leave alone."""

from __future__ import annotations

import pytest

from transforms.privacy.pii import redact_text


def _redact(text: str, language: str) -> str:
    return redact_text(text, language).text


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a run of the NATO alphabet is one spelled value: a name when letters only ...
        (
            "en",
            "the surname is okafor oscar kilo alpha foxtrot oscar romeo",
            "the surname is <NAME>",
        ),
        ("en", "it's spelled bravo echo lima uh lima", "it's spelled <NAME>"),
        # ... an identifier when digits are read inside it ...
        (
            "en",
            "my membership is kilo papa four four nine zero one",
            "my membership is <ID>",
        ),
        # ... a postcode when a postcode is asked for
        (
            "en",
            "and the postcode's lima sierra two two uh four echo tango",
            "and the postcode's <ADDRESS>",
        ),
        # one alphabet word alone is a word or a person, as before; two after a determiner are
        # no spelling
        ("en", "mike from the garage rang me", "<NAME> from the garage rang me"),
        ("en", "we stayed at the golf hotel for a week", None),
        ("en", "the delta variant was everywhere that winter", None),
    ],
)
def test_a_spelling_alphabet_run_is_one_value(
    language: str, text: str, expected: str | None
) -> None:
    assert _redact(text, language) == (expected if expected is not None else text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "en",
            "The surname is Okafor, Oscar Kilo Alpha Foxtrot Oscar Romeo.",
            "The surname is <NAME>.",
        ),
        ("en", "My membership is Kilo Papa 44901.", "My membership is <ID>."),
        ("en", "We stayed at the Golf Hotel for a week.", None),
    ],
)
def test_a_spelling_alphabet_run_in_whisper_form(
    language: str, text: str, expected: str | None
) -> None:
    assert _redact(text, language) == (expected if expected is not None else text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a spelling with hyphens keeps its accented letters
        ("fr", "Le nom, c'est Ménétré, M-É-N-É-T-R-É.", "Le nom, c'est <NAME>."),
        ("fr", "le nom c'est ménétré m-é-n-é-t-r-é", "le nom c'est <NAME>"),
        # not a word with hyphens ("peut-être", "vis-à-vis")
        ("fr", "peut-être qu'il passera vis-à-vis de la mairie", None),
    ],
)
def test_a_hyphenated_spelling_keeps_its_accents(
    language: str, text: str, expected: str | None
) -> None:
    assert _redact(text, language) == (expected if expected is not None else text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a sort code: six digits after "sort code"
        (
            "en",
            "the sort code is forty one twelve ninety and the account's 31926819",
            "the sort code is <ID> and the account's <ID>",
        ),
        # a sort code alone names a bank branch
        ("en", "the sort code is forty one twelve ninety", None),
        ("en", "Sort code 41-12-90, account 31926819.", "Sort code <ID>, account <ID>."),
        # an NHS number: ten digits after "nhs" whose mod-11 check digit holds, not a phone
        (
            "en",
            "my nhs number is four eight five seven seven seven three four five seven",
            "my nhs number is <ID>",
        ),
        ("en", "My NHS number is 485 777 3457.", "My NHS number is <ID>."),
        # not six digits with no sort code; a valid NHS number with no "nhs" stays a phone
        ("en", "the order was forty one twelve ninety", None),
        ("en", "my mobile number is 485 777 3457", "my mobile number is <PHONE>"),
    ],
)
def test_sort_codes_and_nhs_numbers(language: str, text: str, expected: str | None) -> None:
    assert _redact(text, language) == (expected if expected is not None else text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a lieu-dit is a place's name with or without an article
        (
            "fr",
            "j'habite au lieu-dit kermorvan après l'église",
            "j'habite au <ADDRESS> après l'église",
        ),
        (
            "fr",
            "J'habite au lieu-dit Kermorvan, après l'église.",
            "J'habite au <ADDRESS>, après l'église.",
        ),
        ("fr", "il habite au lieu-dit, je sais plus lequel", None),
        # "steps" is a street type after a house number
        ("en", "it's 12 heron steps in whitby", "it's <ADDRESS> in whitby"),
        ("en", "mind the steps on the way in", None),
        # a spelling right after an address of its last word is part of the address
        (
            "fr",
            "c'est au 8 rue des vanniers v a n n i e r s",
            "c'est au <ADDRESS>",
        ),
        ("fr", "C'est au 8 rue des Vanniers, V-A-N-N-I-E-R-S.", "C'est au <ADDRESS>."),
        # ... not a name spelled after an address
        (
            "fr",
            "c'est au 8 rue des vanniers et le nom c'est b o y e r",
            "c'est au <ADDRESS> et le nom c'est <NAME>",
        ),
    ],
)
def test_addresses_said_as_places_and_spelled(
    language: str, text: str, expected: str | None
) -> None:
    assert _redact(text, language) == (expected if expected is not None else text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a direct-debit mandate's reference identifies the customer's mandate, as a contract's
        (
            "fr",
            "la référence de mon mandat c'est r u m quarante mille deux cent douze",
            "la référence de mon mandat c'est <ID>",
        ),
        ("en", "the direct debit reference is GBL-DD-58120", "the direct debit reference is <ID>"),
        ("en", "The mandate reference is 58120 7731.", "The mandate reference is <ID>."),
        # not the amount of a debit, nor an order's number near "debit"
        ("en", "the direct debit of forty nine ninety went out twice", None),
        ("en", "the debit for order 48812931 was taken twice", None),
        ("fr", "le prélèvement du mandat de quarante-neuf euros est passé deux fois", None),
    ],
)
def test_a_mandate_reference_is_an_identifier(
    language: str, text: str, expected: str | None
) -> None:
    assert _redact(text, language) == (expected if expected is not None else text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a remark that the pieces before are one word: they are a name
        ("en", "it's aru nraj uh arunraj all one word", "it's <NAME> all one word"),
        ("fr", "c'est nour eddine en un seul mot", "c'est <NAME> en un seul mot"),
        ("fr", "C'est Nour Eddine, en un seul mot.", "C'est <NAME>, en un seul mot."),
        # not the remark about a word of no name
        ("en", "write it all one word please", None),
        ("fr", "écrivez-le en un seul mot", None),
    ],
)
def test_a_name_said_in_pieces_then_all_one_word(
    language: str, text: str, expected: str | None
) -> None:
    assert _redact(text, language) == (expected if expected is not None else text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # kin by marriage are kin words: a name may follow them in lower case or capitalised
        ("en", "my sister-in-law oyelaran came with me", "my sister-in-law <NAME> came with me"),
        (
            "en",
            "My sister-in-law, Oyelaran Bakare, came with me.",
            "My sister-in-law, <NAME>, came with me.",
        ),
        ("fr", "ma belle-sœur ingrid a appelé hier", "ma belle-sœur <NAME> a appelé hier"),
        # not the kin word alone
        ("en", "my sister-in-law came with me", None),
        ("fr", "ma belle-sœur a appelé hier", None),
    ],
)
def test_kin_by_marriage_before_a_name(language: str, text: str, expected: str | None) -> None:
    assert _redact(text, language) == (expected if expected is not None else text)


@pytest.mark.parametrize(
    ("language", "text", "heard"),
    [
        # a name first said wrong, then repaired: the first try sounds like the name
        ("fr", "c'est nguiem euh non nguyen nguyen van an", "nguiem"),
        ("en", "it's adeyemy sorry adeyemi mrs adeyemi", "adeyemy"),
        ("fr", "C'est Ngouyen, non, Nguyen, N-G-U-Y-E-N.", "Ngouyen"),
    ],
)
def test_a_name_misheard_then_repaired(language: str, text: str, heard: str) -> None:
    assert heard not in _redact(text, language)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # not a repaired word that sounds like nothing in the name, nor a common word
        ("fr", "c'est mardi non martine dupont", "c'est mardi non <NAME>"),
        (
            "en",
            "the blue one no sorry the green one for margaret",
            "the blue one no sorry the green one for <NAME>",
        ),
    ],
)
def test_a_repair_before_a_name_is_no_name_by_itself(
    language: str, text: str, expected: str
) -> None:
    assert _redact(text, language) == expected
