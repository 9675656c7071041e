"""The identifier and phone rules of issue 22's seventeenth recall round (tuned on heldout19:
solar installers, care homes, wedding venues, tutoring, cemeteries): sentences written for each
rule (no corpus row), in lower case and in the form faster-whisper writes by default, with the
hard negatives each rule must leave alone. Every number, code and name here is made up; the
phone numbers are in the ranges kept for fiction (06 39 98, 07700 900)."""

from __future__ import annotations

import pytest

from tests.unit.privacy.spans import covered, spans
from transforms.privacy.pii import find_pii

# ------------------------------------------------------- zero said as the letter O, in French


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        # a phone opened, or carried, by an O for zero
        ("mon portable c'est le o six trente-neuf quatre-vingt-dix-huit vingt-deux o sept",
         "PHONE"),
        ("Mon portable, c'est le O six trente-neuf quatre-vingt-dix-huit vingt-deux o sept.",
         "PHONE"),
        ("o six trente-neuf quatre-vingt-dix-huit soixante et un quatorze rappelez-moi", "PHONE"),
        # two O's for the international prefix, or "double o"
        ("c'est le o o trente-trois six trente-neuf quatre-vingt-dix-huit douze quinze", "PHONE"),
        ("c'est le double o trente-trois six trente-neuf quatre-vingt-dix-huit douze quinze",
         "PHONE"),
        # a NIR whose month and order number open on an O
        ("mon numéro de sécu c'est le un quatre-vingt-quatre o cinq trente et un cinq cent "
         "cinquante-cinq cent vingt-trois trente-deux", "NIR"),
        # a customer number with its O's
        ("mon numéro client c'est quatre-vingt-un o o quarante-deux dix-sept", "ID"),
    ],
)  # fmt: skip
def test_an_o_for_zero_in_french_digits(text: str, entity: str) -> None:
    found = spans(text, "fr")
    assert [e for _, e in found] == [entity], found
    assert found[0][0].startswith(("o", "le o", "double", "un", "quatre")), found


@pytest.mark.parametrize(
    "text",
    [
        # a time, a version, a menu key: an O beside a number that makes no number to redact
        "le vol part à seize heures o cinq",
        "c'est la version o deux du logiciel",
        "tapez o un pour le service client",
    ],
)
def test_an_o_beside_a_small_number_is_nothing(text: str) -> None:
    assert find_pii(text, "fr") == []


def test_an_o_beside_a_spelled_letter_stays_the_letter() -> None:
    # spelled names keep their O; a code's letters keep theirs ("d r o …" is one code)
    assert ("l o u v e t", "NAME") in spans("c'est louvet l o u v e t", "fr")
    text = "mon numéro client c'est d r o quatre cinq six sept huit"
    assert covered(text, "fr", "d r o quatre cinq six sept huit", "ID")


def test_a_tenant_pattern_reads_a_lone_o_as_the_letter_too() -> None:
    # "b o …" for BO[0-9]{7}: zero and the letter O sound alike, the whole pattern decides
    text = "it's b o five two seven oh one four six"
    assert [s.entity for s in find_pii(text, "en", id_patterns=("BO[0-9]{7}",))] == ["ID"]
    text = "c'est b o cinq deux sept zéro un quatre six"
    assert [s.entity for s in find_pii(text, "fr", id_patterns=("BO[0-9]{7}",))] == ["ID"]


# ------------------------------------------- the serial of an installation in the caller's home


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("fr", "Le numéro de série de la chaudière, c'est 4KT-8810-ZQ2, pour l'entretien.",
         "4KT-8810-ZQ2"),
        ("fr", "le numéro de série du chauffe-eau c'est quatre-vingt-un quarante-sept douze b",
         "quatre-vingt-un quarante-sept douze"),
        ("en", "The inverter serial is 9RW-4471-PX8, the installer asked for it.", "9RW-4471-PX8"),
        ("en", "the boiler serial is two two four one seven seven nine oh", "two two four one"),
    ],
)  # fmt: skip
def test_an_installations_serial_is_an_id(language: str, text: str, value: str) -> None:
    assert covered(text, language, value, "ID")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # the kit a provider lends, goods bought in a shop, a Wi-Fi key: no one's identifier
        ("en", "The router serial number is RT-5520-KX9, it's on the sticker."),
        ("fr", "le répéteur acheté en magasin a un numéro de série r p sept sept zéro quatre"),
        ("fr", "La clé Wi-Fi, c'est celle de l'étiquette : H4QZ-7TP2-MW9K."),
    ],
)  # fmt: skip
def test_other_serials_and_keys_stay(language: str, text: str) -> None:
    assert find_pii(text, language) == []


def test_a_residents_number_is_an_id() -> None:
    text = "le numéro de résidente de ma mère c'est r quatre cent douze cinquante-trois"
    assert covered(text, "fr", "r quatre cent douze cinquante-trois", "ID")


# ----------------------------------------------- a number said again from its spoken hundreds


@pytest.mark.parametrize(
    "text",
    [
        "c'est le trois cent non attendez trois cent vingt quatre-vingt-quinze o deux",
        "C'est le trois cent, non attendez, trois cent vingt quatre-vingt-quinze o deux.",
        "c'est le deux cent six non attendez je recommence deux cent soixante quarante et un "
        "dix-sept",
    ],
)
def test_a_number_restarted_on_its_hundreds_is_an_id(text: str) -> None:
    assert [e for _, e in spans(text, "fr")] == ["ID"]


@pytest.mark.parametrize(
    "text",
    [
        # amounts corrected the same way stay
        "c'est deux cent cinquante non deux cent soixante euros",
        "le loyer c'est le quatre cent non attendez quatre cent vingt euros par mois",
        "on sera trois cent non attendez trois cent vingt invités",
    ],
)
def test_a_corrected_amount_stays(text: str) -> None:
    assert find_pii(text, "fr") == []


# ------------------------------------------------------------ a phone's group read back inside it


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "it's oh seven seven double oh nine oh oh nine oh oh? yes one two three"),
        ("en", "It's oh seven seven double oh, nine oh oh. Nine oh oh? Yes, one two three."),
        ("fr", "c'est le zéro six trente-neuf quatre-vingt-dix-huit douze douze ? oui douze "
               "quinze"),
        ("fr", "C'est le zéro six trente-neuf quatre-vingt-dix-huit douze, douze ? Oui, douze "
               "quinze."),
    ],
)  # fmt: skip
def test_a_phone_with_a_group_read_back_is_one_phone(language: str, text: str) -> None:
    assert [e for _, e in spans(text, language)] == ["PHONE"]


def test_a_long_number_with_a_repeated_group_is_no_phone() -> None:
    # a repeat that leaves no phone when taken out keeps the number what it was
    assert [e for _, e in spans("my account number is four four one two? yes four one two "
                                "seven seven nine", "en")] == ["ID"]  # fmt: skip
    assert find_pii("the order total was one two one two one two three four five six", "en") == []


# --------------------------------------------- a trunk zero in brackets after the country code


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("en", "My mobile is +44 (0)7700 900 456, call after six.", "+44 (0)7700 900 456"),
        ("fr", "Mon portable, c'est le +33 (0)6 39 98 12 15.", "+33 (0)6 39 98 12 15"),
    ],
)  # fmt: skip
def test_a_trunk_zero_in_brackets_stays_in_the_phone(language: str, text: str, value: str) -> None:
    assert spans(text, language) == [(value.lower(), "PHONE")]


# -------------------------------------------- meter points and travellers named by their numbers


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("en", "The NMI is 4407 2219 63, it's on the meter box.", "4407 2219 63"),
        ("en", "the mprn is oh six one two three four five six seven eight", "oh six one two"),
        ("en", "The frequent flyer number is 3081 5527 46.", "3081 5527 46"),
        ("en", "my frequent flyer number is three oh eight one five five two seven four six",
         "three oh eight one"),
    ],
)  # fmt: skip
def test_a_meter_points_or_a_flyers_number_is_an_id(language: str, text: str, value: str) -> None:
    assert [e for _, e in spans(text, language)] == ["ID"]
    assert covered(text, language, value, "ID")


def test_no_flyers_number_said_and_a_meter_reading_stay() -> None:
    assert find_pii("my frequent flyer number is on the app, can I give it later?", "en") == []
    assert find_pii("The NMI reading was 4471 kilowatt hours last quarter.", "en") == []


# -------------------------------- a value named right after it, with the attempt broken off before


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("en", "it's k r five two sorry five three nineteen oh six that's my dad's account",
         "k r five two sorry five three nineteen oh six"),
        ("en", "It's KR 52, sorry, 53 19 06, that's my dad's account.", "KR 52, sorry, 53 19 06"),
        ("fr", "c'est le quatre-vingt-un quarante-deux dix-sept trente c'est mon numéro client",
         "quatre-vingt-un quarante-deux dix-sept trente"),
        ("fr", "mon numéro client c'est le quarante-deux euh non quarante-trois dix-sept "
               "vingt-deux", "quarante-deux euh non quarante-trois dix-sept vingt-deux"),
    ],
)  # fmt: skip
def test_a_value_named_after_it_is_an_id(language: str, text: str, value: str) -> None:
    assert spans(text, language) == [(value.lower(), "ID")]


@pytest.mark.parametrize(
    ("language", "text", "entity"),
    [
        # a phone named as the account's stays a phone; amounts and prices stay
        ("fr", "c'est zéro six trente-neuf quatre-vingt-dix-huit douze quinze c'est le numéro de "
               "mon compte", "PHONE"),
        ("en", "it's forty two fifty that's my account balance", None),
        ("en", "it was four hundred and twelve that's my account", None),
    ],
)  # fmt: skip
def test_what_a_naming_after_leaves_alone(language: str, text: str, entity: str | None) -> None:
    assert [e for _, e in spans(text, language)] == ([entity] if entity else [])


# ---------------------------------------------- a dash said inside an announced identifier


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("fr", "mon numéro d'adhérent c'est a b tiret quatre cinq six sept huit",
         "a b tiret quatre cinq six sept huit"),
        ("en", "my membership number is k l m dash four eight two one seven dash h",
         "k l m dash four eight two one seven dash h"),
        ("en", "My membership number is K L M dash 48217 dash H.", "K L M dash 48217 dash H"),
        ("en", "my customer number is two oh two six slash r slash oh three four seven",
         "two oh two six slash r slash oh three four seven"),
    ],
)  # fmt: skip
def test_a_dash_said_inside_an_announced_id(language: str, text: str, value: str) -> None:
    assert spans(text, language) == [(value.lower(), "ID")]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # the same dashes in a machine's name, a quote's or a vacancy's reference: no one's id
        ("fr", "le poste c'est p c tiret g r e tiret zéro quatre cent douze c'est sur l'étiquette"),
        ("en", "the machine name's l t dash m a n dash oh four one two it's on the sticker"),
        ("en", "the caterer's quote number is q t twenty twenty six dash one four oh"),
        ("fr", "c'est l'offre référence deux mille vingt-six tiret r h tiret zéro quatre sept"),
    ],
)  # fmt: skip
def test_dashes_in_other_codes_stay(language: str, text: str) -> None:
    assert find_pii(text, language) == []


# ------------------------ e-mails: a domain spelled, misheard, or with a label said in words


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("fr", "c'est gr lafarge arobase orange point f r", "gr lafarge arobase orange point f r"),
        ("en", "it's jo dot brent at gmail dot c o m", "jo dot brent at gmail dot c o m"),
        ("en", "It's jo dot brent at mail dot co dot u k.", "jo dot brent at mail dot co dot u k"),
        ("en", "tamsin yeo at yahoo dot calm", "tamsin yeo at yahoo dot calm"),
        ("fr", "maelys trinh arobase etu point univ rennes deux point fr pour la fac",
         "maelys trinh arobase etu point univ rennes deux point fr"),
    ],
)  # fmt: skip
def test_an_email_with_its_domain_said_oddly(language: str, text: str, value: str) -> None:
    assert covered(text, language, value, "EMAIL")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "i was at home dot com that was it"),
        ("en", "meet me at the station point five minutes later"),
        ("fr", "on se retrouve à la gare point final"),
    ],
)  # fmt: skip
def test_no_email_without_a_domain(language: str, text: str) -> None:
    assert find_pii(text, language) == []


# ------------------------------------------------------ "a hundred" in a number read in groups


def test_a_hundred_in_a_phone_read_back_in_groups() -> None:
    text = "So that's oh seven seven double oh, nine hundred, a hundred and twelve?"
    assert spans(text, "en") == [(text[10:-1].lower(), "PHONE")]


@pytest.mark.parametrize(
    "text",
    ["it cost a hundred and twenty pounds", "there were a hundred people there"],
)
def test_a_hundred_as_a_quantity_stays(text: str) -> None:
    assert find_pii(text, "en") == []
