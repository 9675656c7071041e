"""The identifier rules of issue 22's nineteenth recall round (tuned on heldout21: riding
schools, allotments, florists, summer camps): sentences written for each rule (no corpus row),
in lower case and in the form faster-whisper writes by default, with the hard negatives each rule
must leave alone. Every number and code here is made up."""

from __future__ import annotations

import pytest

from tests.unit.privacy.spans import spans


def _ids(text: str, language: str) -> list[str]:
    return [t for t, e in spans(text, language) if e == "ID"]


# ------------------------------------------- people a club, a federation or an event enrols


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("le numéro de cavalier c'est le k t deux zéro cinq un", "fr", "k t deux zéro cinq un"),
        ("Son numéro de licencié, c'est le 4 82 19 03.", "fr", "4 82 19 03"),
        ("the competitor number is g h four oh seven two", "en", "g h four oh seven two"),
        ("Entrant number QX 4417.", "en", "qx 4417"),
    ],
)  # fmt: skip
def test_a_number_bound_to_an_enrolled_person_is_an_id(
    text: str, language: str, value: str
) -> None:
    assert value in _ids(text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("the rider number on her bib was 14", "en"),
        ("competitor number 7 won the jumping", "en"),
        ("le joueur numéro dix a marqué deux buts", "fr"),
        ("we had forty participants at 10 pounds each", "en"),
    ],
)  # fmt: skip
def test_short_numbers_and_players_stay(text: str, language: str) -> None:
    assert _ids(text, language) == []


# ------------------------------------------- a spelled code restarted after a repair


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("c'est le k d trois deux non pardon k d trois deux quatre un", "fr",
         "k d trois deux non pardon k d trois deux quatre un"),
        ("it's p w four oh sorry p w four oh seven two", "en",
         "p w four oh sorry p w four oh seven two"),
        ("It's H V 3, sorry, H V 3 8 1 6.", "en", "h v 3, sorry, h v 3 8 1 6"),
    ],
)  # fmt: skip
def test_a_spelled_code_said_again_longer_is_an_id(text: str, language: str, value: str) -> None:
    assert value in _ids(text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("the order is k d three sorry k d three two four one", "en"),
        ("table for four no sorry four at eight", "en"),
        ("it's the x c ninety no sorry the x c ninety two model", "en"),
        ("c'est à b deux non pardon b deux trois euros", "fr"),
    ],
)  # fmt: skip
def test_transactions_models_and_amounts_restarted_stay(text: str, language: str) -> None:
    assert _ids(text, language) == []


# ------------------------------------------- a digit confirmed by itself


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("c'est t k quatre quatre comme quatre un neuf zéro deux", "fr",
         "t k quatre quatre comme quatre un neuf zéro deux"),
        ("my member number is h q five five as in five two eight one nine", "en",
         "h q five five as in five two eight one nine"),
    ],
)  # fmt: skip
def test_a_digit_confirmed_by_itself_is_said_once(text: str, language: str, value: str) -> None:
    assert value in _ids(text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("it's five like five people and six like six chairs", "en"),
        ("on était six comme six ans plus tôt", "fr"),
    ],
)  # fmt: skip
def test_counts_compared_stay(text: str, language: str) -> None:
    assert _ids(text, language) == []


# ------------------------------------------- one letter and four digits, announced


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("le numéro de patient c'est v deux mille trois cent dix-huit", "fr",
         "v deux mille trois cent dix-huit"),
        ("My customer number is K 4819.", "en", "k 4819"),
    ],
)  # fmt: skip
def test_one_letter_and_four_digits_announced(text: str, language: str, value: str) -> None:
    assert value in _ids(text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("my account number is a 2 0 2 4", "en"),
        ("my membership number is b 2019", "en"),
        ("le contrat a 2026 lignes", "fr"),
        ("my customer number? i paid 4500 for it", "en"),
    ],
)  # fmt: skip
def test_a_word_letter_or_a_year_stays(text: str, language: str) -> None:
    assert _ids(text, language) == []
