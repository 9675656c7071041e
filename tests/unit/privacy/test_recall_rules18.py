"""The general rules of issue 22's eighteenth recall round for names and addresses (tuned on
heldout20): sentences written for each rule (no corpus row), in lower case and in the form
faster-whisper writes by default, with the hard negatives each rule must leave alone. Every
name, street, house and place here is made up."""

from __future__ import annotations

import pytest

from tests.unit.privacy.spans import covered, names, spans

# ------------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("language", "text", "name"),
    [
        # a word, then its spelling with a radio alphabet's words ("pour", "like" as links)
        ("fr", "c'est vauquelard v pour victor a u q u e l a r d", "vauquelard"),
        ("fr", "Vauquelard V pour Victor A U Q U E L A R D, voilà.", "vauquelard"),
        ("en", "that's brackenholt b like bravo r a c k e n h o l t", "brackenholt"),
        # a word, then its spelling said twice in a row to check it
        ("en", "pendarvissey p e n d a r v i s s e y p e n d a r v i s s e y yes", "pendarvissey"),
        ("en", "Pendarvissey P E N D A R V I S S E Y P E N D A R V I S S E Y yes.", "pendarvissey"),
        # a spelling, then how many of a letter it holds
        ("en", "it's spelt b r a d d o c k e n two d's it's a welsh name", "b r a d d o c k e n"),
        # the chimney sweep and other trades sent to a home, a clause before the copula
        ("en", "the sweep who did the flue was tarquinio he was tidy", "tarquinio"),
        ("en", "The sweep who did the flue was Tarquinio, he was tidy.", "tarquinio"),
        ("fr", "le ramoneur qui était passé en mars c'était gwenvaëlic", "gwenvaëlic"),
        ("en", "the plasterer who came last week was dobrogost", "dobrogost"),
        # a trainee in apposition, the two words of the name between commas
        (
            "en",
            "My apprentice, Ebbeline Lindqvarn-Osei, starts on Friday.",
            "ebbeline lindqvarn-osei",
        ),
        # a person thanked, then good wishes
        ("en", "thanks wenlynne have a lovely weekend", "wenlynne"),
        ("en", "cheers ysoltia enjoy the rest of your day", "ysoltia"),
        # the caller's own name between commas after the greeting, a first-person clause after
        (
            "en",
            "Hello, Ottolinde Brackwater, I'm ringing about my renewal.",
            "ottolinde brackwater",
        ),
        (
            "fr",
            "Bonjour, Gwenaëlle Kerbrat-Omnès, je vous appelle pour ma facture.",
            "gwenaëlle kerbrat-omnès",
        ),
    ],
)
def test_names_spelled_thanked_greeted_or_after_a_trade(
    language: str, text: str, name: str
) -> None:
    assert covered(text, language, name, "NAME"), spans(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "the sweep who came last year was brilliant"),
        ("fr", "le ramoneur qui était venu l'an dernier c'était parfait"),
        ("en", "my apprentice, as usual, is late"),
        ("en", "thanks everyone have a good weekend"),
        ("en", "thanks again have a good one"),
        ("en", "Hello, good afternoon, I'm calling about my bill."),
        ("fr", "Bonjour, oui bonjour, je vous appelle pour ma facture."),
        ("fr", "il a pour mission de tout vérifier"),
        ("en", "the ticket is i n c two five"),
    ],
)
def test_no_name_from_common_words_in_those_places(language: str, text: str) -> None:
    assert names(text, language) == [], spans(text, language)


# -------------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("language", "text", "address"),
    [
        # the house number said twice to check it, an acknowledgement before the street
        (
            "en",
            "it's number sixty sixty yeah tanners' drift, hebden bridge",
            "sixty sixty yeah tanners' drift",
        ),
        (
            "en",
            "it's two hundred and four two oh four yeah quillet road, bedminster",
            "two hundred and four two oh four yeah quillet road",
        ),
        ("en", "It's 204 204 yeah Quillet Road, Bedminster.", "204 204 yeah quillet road"),
        # "cours" after a house number stays a street; a sole trader's workshop stays theirs
        ("fr", "j'habite au 12 cours de la libération à vienne", "12 cours de la libération"),
        ("fr", "mon atelier c'est 4 rue des forges à tulle", "4 rue des forges"),
    ],
)
def test_addresses_said_twice_and_streets_kept(language: str, text: str, address: str) -> None:
    assert covered(text, language, address, "ADDRESS"), spans(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a lesson, not a street
        ("fr", "le cours de poterie c'est le jeudi soir"),
        ("fr", "elle a besoin de cours de chant pour l'audition"),
        ("fr", "Le cours de solfège c'est le mardi de dix-sept heures à dix-huit heures."),
        # a business's own space or premises
        ("fr", "Notre espace est au 18, rue des Tanneurs, à côté de la gare."),
        ("fr", "nos locaux sont au 5 avenue des peupliers juste après le rond-point"),
        # a drift of snow
        ("en", "the snow drift was two feet deep by the gate"),
    ],
)
def test_no_address_for_a_lesson_a_business_or_a_drift(language: str, text: str) -> None:
    assert all(e != "ADDRESS" for _, e in spans(text, language)), spans(text, language)


def test_pour_links_a_letter_only_to_a_word_it_opens() -> None:
    # "z pour zoulou" is an anchor; "r g pour roussel-garnier" says what the letters stand for
    text = "c'est maëlyse point rg arobase orange point fr avec r g pour roussel-garnier"
    assert not covered(text, "fr", "r g pour", "NAME"), spans(text, "fr")
