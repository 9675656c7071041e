"""The general rules of issue 22's sixteenth recall round (tuned on heldout18: opticians and
hearing-aid centres, mortgage and credit brokers, social landlords' repair lines, a marina,
self-storage): sentences written for each rule (no corpus row), in lower case and in the form
faster-whisper writes by default, with the hard negatives each rule must leave alone. Every
number, code, name, boat, street and place here is made up."""

from __future__ import annotations

import pytest

from tests.unit.privacy.spans import covered, names, spans
from transforms.privacy.pii import find_pii

# ------------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("language", "text", "said"),
    [
        # a name said twice right after a copula
        ("en", "the nurse who syringed my ears was ysolda ysolda pendragast", ["ysolda"]),
        ("en", "The nurse who syringed my ears was Ysolda, Ysolda Pendragast.", ["ysolda"]),
        # a name said again after the other party did not hear it: both times
        ("fr", "oui c'est philomène escoubas pardon ? philomène escoubas", ["philomène escoubas"]),
        ("en", "it's piran trevaskis sorry? piran trevaskis i'm a bit deaf", ["piran trevaskis"]),
        # another form of the name right before it, after a hesitation or a rephrasing word
        ("en", "hiya it's gussie well augusta on the form augusta pellow", ["gussie"]),
        ("en", "Hiya, it's Gussie, well, Augusta on the form, Augusta Pellow.", ["gussie"]),
        ("fr", "c'est pour mon voisin titou enfin bertrand bertrand lacaze", ["titou"]),
        ("en", "it's ottoline uh lina everyone calls me lina vasquez-reid", ["ottoline"]),
    ],
)  # fmt: skip
def test_a_name_said_again_or_in_another_form(language: str, text: str, said: list[str]) -> None:
    for part in said:
        assert covered(text, language, part, "NAME"), part
        last = text.lower().rindex(part)
        assert any(
            s.start <= last < s.end and s.entity == "NAME" for s in find_pii(text, language)
        ), part


@pytest.mark.parametrize(
    ("language", "text", "word"),
    [
        # common words said twice or around a word of not hearing are no names
        ("en", "the bill sorry? the bill for march", "bill"),
        ("fr", "la facture pardon ? la facture de mars", "facture"),
        ("en", "it was very very loud last night", "very"),
        # a common word before a hesitation and a name
        ("en", "okay uh marjorie said it was fine", "okay"),
        ("fr", "merci euh madame ferrand", "merci"),
    ],
)  # fmt: skip
def test_no_name_for_common_words_around_a_name(language: str, text: str, word: str) -> None:
    assert not any(word in n.split() for n in names(text, language))


# ---------------------------------------------------------------- things named like people


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a boat's name
        ("fr", "le bateau c'est le morgane un first de neuf mètres"),
        ("fr", "Le bateau, c'est le Morgane, un First de neuf mètres."),
        ("en", "the boat's called niamh she's on pontoon c"),
        ("en", "and the boat is called saoirse"),
        ("fr", "le voilier armelle est au ponton b"),
        # a model's name after a noun naming a model
        ("fr", "j'hésite entre la monture clémence et la monture albane"),
        ("fr", "J'hésite entre la monture Clémence et la monture Albane."),
        ("en", "i went for the frame florence in tortoiseshell"),
        # a firm's name after a noun naming a firm
        ("fr", "C'est l'entreprise Thermalis qui fait l'entretien des chaudières."),
        ("en", "It's the company Brayfield who cut the hedges."),
        # a cue's name ending on a sector word, opening on no first name
        ("en", "It's Corbridge Roofing Services who fix the gutters on the block."),
    ],
)  # fmt: skip
def test_no_name_for_a_boat_a_model_or_a_firm(language: str, text: str) -> None:
    assert names(text, language) == []


@pytest.mark.parametrize(
    ("language", "text", "name"),
    [
        # the owner of a boat, a person beside a model or a firm, stay names
        ("fr", "le voilier c'est celui de yannick le goff", "yannick"),
        ("en", "my name is tomasz wierzba and the boat is called saoirse", "tomasz wierzba"),
        ("fr", "ma fille clémence a choisi la monture", "clémence"),
        ("fr", "l'entreprise m'a envoyé monsieur gradel", "gradel"),
        # an agent and the firm said together
        ("fr", "bonjour vous êtes en ligne avec maëlle de vitalia mutuelle", "maëlle"),
        ("en", "you're through to kestrel broadband tamsin speaking", "tamsin"),
    ],
)  # fmt: skip
def test_owners_and_people_beside_things_stay_names(language: str, text: str, name: str) -> None:
    assert covered(text, language, name, "NAME")


# -------------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("language", "text", "address"),
    [
        # an acknowledgement after a lieu-dit or before a dwelling's number
        ("fr", "c'est au lieu-dit oui goarem-vraz à plouguin", "goarem-vraz"),
        ("fr", "c'est cité des tisserands oui numéro quatorze à lavelanet", "numéro quatorze"),
        # a house's name before its street
        ("en", "we've moved it's holly cottage, tanners lane, ashbury now", "holly cottage"),
        ("en", "We've moved, it's Holly Cottage, Tanners Lane, Ashbury now.", "tanners lane"),
    ],
)  # fmt: skip
def test_addresses_with_an_acknowledgement_or_a_house_name(
    language: str, text: str, address: str
) -> None:
    assert covered(text, language, address, "ADDRESS")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # an area, an access code
        ("en", "a hundred square foot room is forty pounds a month"),
        ("en", "it's twelve square metres and heated"),
        ("en", "The gate code is 5931, and it changes every month."),
        ("en", "the side gate code is 7702 then press the bell"),
        # an acknowledgement after a word that opens no address
        ("fr", "la cité oui c'est loin du centre"),
    ],
)  # fmt: skip
def test_no_address_for_an_area_or_a_code(language: str, text: str) -> None:
    assert [e for _, e in spans(text, language) if e == "ADDRESS"] == []


@pytest.mark.parametrize(
    ("language", "text", "address"),
    [
        ("en", "i live at 12 albion square near the market", "12 albion square"),
        ("fr", "le code postal c'est 1207 genève", "1207"),
        ("en", "it's 4 mill lane, ashbury", "4 mill lane"),
    ],
)  # fmt: skip
def test_squares_and_postcodes_stay_addresses(language: str, text: str, address: str) -> None:
    assert covered(text, language, address, "ADDRESS")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a business's own place said with its opening hours
        ("en", "We're at 22 Quay Street, by the post office, open nine till five on weekdays."),
        ("en", "we're at 22 quay street by the post office open nine till five"),
        ("fr", "nous sommes au 8 rue des Halles, ouvert du mardi au samedi"),
    ],
)  # fmt: skip
def test_no_address_for_a_shop_with_its_hours(language: str, text: str) -> None:
    assert [e for _, e in spans(text, language) if e == "ADDRESS"] == []


def test_a_callers_we_are_at_stays_an_address() -> None:
    text = "we're at 3 elm road now so send it there"
    assert covered(text, "en", "3 elm road", "ADDRESS")


# ------------------------------------------------------------------- things named by a list


@pytest.mark.parametrize(
    ("language", "text", "word"),
    [
        # a word of the lists after a determiner and an adjective of order is a thing
        ("fr", "envoyez-nous votre dernier avis d'imposition et deux fiches de paie", "avis"),
        ("fr", "Envoyez-nous votre dernier avis d'imposition.", "avis"),
    ],
)  # fmt: skip
def test_no_name_after_a_determiner_and_an_order_adjective(
    language: str, text: str, word: str
) -> None:
    assert not any(word in n.split() for n in names(text, language))


# ------------------------------------------------------------------------------ identifiers


@pytest.mark.parametrize(
    "text",
    [
        # the letter o of a bank's code between two letters, heard as zero
        "the refund goes to g b six four b o f s one two oh nine oh three four four seven one"
        " eight two six five",
        "The refund goes to g b six four b o f s one two oh nine oh three four four seven one"
        " eight two six five.",
    ],
)
def test_an_iban_with_the_letter_o_in_its_bank_code(text: str) -> None:
    assert covered(text, "en", "g b six four b o f s", "IBAN")
    assert covered(text, "en", "eight two six five", "IBAN")
