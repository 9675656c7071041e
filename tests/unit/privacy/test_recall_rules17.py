"""The general rules of issue 22's seventeenth recall round for names and addresses (tuned on
heldout19): sentences written for each rule (no corpus row), in lower case and in the form
faster-whisper writes by default, with the hard negatives each rule must leave alone. Every
name, street, house and place here is made up."""

from __future__ import annotations

import pytest

from tests.unit.privacy.spans import covered, names, spans

# ------------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("language", "text", "name"),
    [
        # a role, kin or person noun, a clause that says which one, the copula, the name
        ("en", "the glazier who measured up was bronislav he was lovely", "bronislav"),
        ("en", "The glazier who measured up was Bronislav, he was lovely.", "bronislav"),
        ("en", "the surveyor last time was gwythyr he knew the roof", "gwythyr"),
        ("en", "the chap that read the meter is anwick i think", "anwick"),
        ("fr", "le couvreur qui a fait le toit c'était gaétanic il était sérieux", "gaétanic"),
        # a trade in apposition, like the roles before it; between commas; after a qualifier
        ("en", "the locksmith ysbrand changed the barrel", "ysbrand"),
        ("en", "Your loss assessor, Caradog, will ring you on Monday.", "caradog"),
        ("en", "the bowls club treasurer is ermengild tosh", "ermengild"),
        # "will be" as "is": the role said for a visit to come
        ("en", "your surveyor tomorrow will be radomil he'll text first", "radomil"),
        ("en", "your fitter will be ottokar", "ottokar"),
        # a police rank said as a title
        ("en", "the one who took it down was sergeant quillam", "quillam"),
        # thanks with "a million" before the name
        ("en", "thanks a million eithne you're a star", "eithne"),
        # "she was called", "he was called": the past of "she's called"
        ("en", "the carer before was nice she was called oriwen i think", "oriwen"),
        # a name given by someone beside the caller
        ("en", "hang on she's telling me tamsyne pollard-vey yeah", "tamsyne pollard-vey"),
        ("fr", "son parrain attendez elle me le dit aurélianne kervadec", "aurélianne kervadec"),
    ],
)  # fmt: skip
def test_a_name_after_a_role_or_given_beside_the_caller(
    language: str, text: str, name: str
) -> None:
    assert covered(text, language, name, "NAME"), spans(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # the same clauses before a common word
        ("en", "the glazier who measured up was brilliant"),
        ("en", "the engineer who came out last time was very late"),
        ("en", "the man that answered the phone was rude"),
        ("en", "the plumber they sent was useless"),
        ("en", "the thing that broke was the inverter"),
        ("fr", "le plombier qui est venu c'était vraiment bien"),
        # "called" with a common word after it, and "telling me" before one
        ("en", "he was called back by your team"),
        ("en", "you're telling me honestly that it's fixed"),
        # a trade before a common word, or before an elided pronoun and its verb
        ("en", "the locksmith changed the barrel"),
        ("fr", "le vendeur m'avait donné son numéro de portable"),
        ("en", "your engineer will be ringing you first"),
        ("en", "the lead passenger is travelling alone"),
        ("en", "the plumber, cheapest around, said it was fine"),
        # a rank's abbreviation as a common noun
        ("en", "my pc keeps crashing since the update"),
    ],
)  # fmt: skip
def test_no_name_after_a_role_before_a_common_word(language: str, text: str) -> None:
    assert names(text, language) == []


@pytest.mark.parametrize(
    ("language", "text", "other"),
    [
        # a form of the name right before it, with no word between: the other spelling first
        ("en", "my niece annwen well anwen annwen ferriday is coming", "anwen"),
        ("en", "My niece Annwen, well, Anwen Annwen Ferriday is coming.", "anwen"),
        # the first half of a double-barrelled first name, then the name in full
        ("fr", "c'est au nom de mon oncle marin oui marin-gaspard lestrohan", "marin"),
    ],
)  # fmt: skip
def test_another_form_of_a_name_right_before_it(language: str, text: str, other: str) -> None:
    assert covered(text, language, other, "NAME"), spans(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a common word before a name that merely starts like it
        ("en", "thanks uh ruairi"),
        ("en", "it's for the marine marina quillfeather"),
    ],
)  # fmt: skip
def test_no_other_form_from_a_common_word(language: str, text: str) -> None:
    assert all(not n.startswith(("thanks", "marine")) for n in names(text, language))


def test_a_heard_word_is_compared_with_its_spelling_accents_aside() -> None:
    text = "lévanrac levanra ? oui avec un c à la fin l é v a n r a c"
    assert covered(text, "fr", "levanra", "NAME"), spans(text, "fr")


# -------------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("language", "text", "address"),
    [
        # a flat's number said in words, an acknowledgement before the building
        ("en", "i'm in flat nine yeah corvell house, tumbril lane", "flat nine yeah corvell house"),
        ("en", "send it to flat four, quenby house, wattle road", "flat four, quenby house"),
        # an old building's name opening the line, before a comma and the street
        ("en", "they're at the old tannery, brackwater lane, little snorby", "the old tannery"),
        ("en", "They're at the old tannery, Brackwater Lane, Little Snorby.", "the old tannery"),
        # fenland and moorland street types
        ("en", "we're at forty one yeah fellgate end in the village", "fellgate end"),
        ("en", "it's number twelve cobblers' bank up the hill", "cobblers' bank"),
        ("en", "the address is seven hollowmere drove", "hollowmere drove"),
    ],
)  # fmt: skip
def test_addresses_of_flats_houses_and_fen_streets(language: str, text: str, address: str) -> None:
    assert covered(text, language, address, "ADDRESS"), spans(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # everyday nouns that are street types too, after a common word
        ("en", "the 12 month end figures are out"),
        ("en", "we were 3 river bank walkers short"),
        # a thing that is no house before a comma and a street
        ("en", "we got the new sofa, long lane delivered it"),
        ("en", "i drove there twice"),
    ],
)  # fmt: skip
def test_no_address_from_everyday_nouns(language: str, text: str) -> None:
    assert all(e != "ADDRESS" for _, e in spans(text, language)), spans(text, language)


# ------------------------------------------------------------------- rooms, things, venues


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a room or a hall named after someone
        ("fr", "on a réservé la salle héloïse pour le repas et le pavillon joséphine pour le bal"),
        # a thing given a name by "called": a cottage said before, a shop
        ("en", "we're in the end cottage not the one called radley the big one"),
        ("en", "the shop was called henley and pike on the corner"),
    ],
)  # fmt: skip
def test_no_name_for_a_room_or_a_thing_called_so(language: str, text: str) -> None:
    assert names(text, language) == [], spans(text, language)


def test_a_person_called_so_is_still_a_name() -> None:
    assert covered("it was a guy called ebrima he set it all up", "en", "ebrima", "NAME")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "La chapelle est au 12, rue des Ormeaux, derrière la mairie."),
        ("fr", "le domaine est au quatorze chemin des vignes à la sortie du bourg"),
        ("en", "The venue is at 8 Tollgate Lane, parking is round the back."),
    ],
)  # fmt: skip
def test_no_address_for_a_venue_giving_its_own(language: str, text: str) -> None:
    assert all(e != "ADDRESS" for _, e in spans(text, language)), spans(text, language)


@pytest.mark.parametrize(
    ("language", "text", "heard"),
    [
        # the spelling a few words after the question, past a remark on a letter
        ("en", "ramsbottom ramsbotham? no it's o m not a m r a m s b o t t o m", "ramsbotham"),
        ("fr", "castagnède castagnè ? oui mais avec un d c a s t a g n è d e", "castagnè"),
        # "double"/"deux" said in the spelling doubles the next letter
        ("fr", "c'est madame pellissou pelissou ? p e deux l i s s o u", "pelissou"),
        # the answer opens with "yes", "no", "c'est": the word said back, not the verb before it
        ("fr", "vous avez noté mazerolle ? oui non c'est mazerolles avec un s", "mazerolle"),
    ],
)  # fmt: skip
def test_a_name_checked_back_then_spelled_or_said_a_few_words_on(
    language: str, text: str, heard: str
) -> None:
    assert covered(text, language, heard, "NAME"), spans(text, language)


def test_the_verb_before_a_name_checked_back_stays() -> None:
    text = "vous avez noté mazerolle ? oui non c'est mazerolles avec un s"
    assert all("noté" not in n for n in names(text, "fr")), spans(text, "fr")


@pytest.mark.parametrize(
    ("language", "text", "said"),
    [
        # a name that is a word too, said twice after a kin word, before the surname
        ("en", "the parcel went to my neighbour's hope uh hope gallimore next door", "hope"),
        ("en", "it's in my husband's sterling sterling pettifer-locke", "sterling"),
    ],
)  # fmt: skip
def test_a_name_said_twice_after_a_kin_word(language: str, text: str, said: str) -> None:
    found = names(text, language)
    assert sum(n.startswith(said) for n in found) == 2, found  # each mention its own


@pytest.mark.parametrize(
    "text",
    [
        "my brother's really really poorly this week",
        "my wife's car car park pass ran out",
    ],
)
def test_no_name_for_a_word_said_twice_after_a_kin_word(text: str) -> None:
    assert names(text, "en") == [], spans(text, "en")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "on a pris des panneaux ondine quatre cents watts et un onduleur hélix"),
        ("en", "we went for the panels Aurora and the inverter Selene from your range"),
    ],
)  # fmt: skip
def test_no_name_for_equipment_sold_by_its_models_name(language: str, text: str) -> None:
    assert names(text, language) == [], spans(text, language)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a word said twice after a kin word and a copula
        ("my great aunt was patience uh patience mowbray née tolchard", "patience"),
        # a name before the role it holds for the caller
        ("we saw the flat with lachlan your negotiator on friday", "lachlan"),
    ],
)
def test_a_name_around_a_kin_word_or_a_role(text: str, name: str) -> None:
    assert covered(text, "en", name, "NAME"), spans(text, "en")


def test_no_name_for_a_word_said_twice_after_a_copula_and_kin() -> None:
    assert names("my mum was very very upset about it", "en") == []
