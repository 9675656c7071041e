"""US given names (the SSA's, ``first_names.us_given_names``): names in no other list, said in
English text with the evidence a first name that is a word needs, are found; the same words in
French text, alone, or common words, are not names by this list."""

from __future__ import annotations

import pytest

from transforms.privacy.pii import find_pii, first_names


def _names(text: str, language: str) -> list[str]:
    return [text[s.start : s.end] for s in find_pii(text, language) if s.entity == "NAME"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("i spoke to zebulon yesterday about the boiler", "zebulon"),
        ("thanks evander you've been really helpful", "evander"),
        ("my nephew munir picked the parcel up", "munir"),
        ("Sorry, I was talking to Evander, can you repeat that?", "Evander"),
    ],
)
def test_an_english_given_name_in_no_other_list_is_a_name_with_evidence(text, name):
    assert name.lower() in first_names.us_given_names()
    assert name.lower() not in first_names.first_names()  # what this list adds
    assert name in _names(text, "en")


@pytest.mark.parametrize(
    "text",
    [
        "j'ai parlé avec zebulon hier",  # an American name, in French text: not by this list
        "c'est un aspirateur dyson qui fait du bruit",  # "dyson" is a US given name too
        "la chaudière c'est une vieille duval",
    ],
)
def test_french_text_does_not_use_the_us_list(text):
    assert not _names(text, "fr")


@pytest.mark.parametrize(
    "text",
    [
        "we go to london in the summer",  # given names that are words: not added by this list
        "can you come in the arvo instead",  # slang: "arvo" is a US given name, alone here
        "the evander tower block is not ours",  # a determiner before it, as for every list
        "the depot is at 14 quayside road, leith",  # a town after a street line: no evidence
    ],
)
def test_words_and_determined_names_stay_in_clear(text):
    assert not _names(text, "en")


def test_the_list_is_the_packages_frequent_names_that_are_no_common_word():
    given = first_names.us_given_names()
    assert 20_000 < len(given) < 40_000
    words = first_names.common_words()
    assert not any(g in words for g in given)  # "summer", "hope", "chez" are left out
    assert not given & first_names.first_names()
    assert first_names.first_names_of("en") == first_names.first_names() | given
    assert first_names.first_names_of("fr") == first_names.first_names()
