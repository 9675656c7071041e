"""The general rules of issue 22's nineteenth recall round for names and false alarms (tuned on
heldout21): sentences written for each rule (no corpus row), in lower case and in the form
faster-whisper writes by default, with the hard negatives each rule must leave alone. Every
name, animal, toy, event and place here is made up."""

from __future__ import annotations

import pytest

from tests.unit.privacy.spans import names

# ------------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("language", "text", "name"),
    [
        # a kin word's name that the lexicon holds as a noun only, the clause going on after it
        ("en", "my uncle lysander isn't on the account", "lysander"),
        ("en", "her brother ignatius can't make the appointment", "ignatius"),
        ("en", "it's for our lodger lysander", "lysander"),
        # who shoes or trains a rider's horse, a camp's staff: roles
        ("en", "the farrier brynmorlan is booked for tuesday", "brynmorlan"),
        ("fr", "la monitrice gwenaëlleke a appelé hier", "gwenaëlleke"),
        ("en", "the instructor tamsinova said he was ready", "tamsinova"),
    ],
)
def test_names_found(language: str, text: str, name: str) -> None:
    assert any(name in n for n in names(text, language)), names(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a kin word before a word of other parts of speech: no name
        ("en", "my neighbour opposite isn't in today"),
        ("en", "my dad again isn't answering"),
        ("en", "my son upstairs can't hear the bell"),
    ],
)
def test_kin_word_without_name(language: str, text: str) -> None:
    assert names(text, language) == []


# ------------------------------------------------------------------------- no people


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # a toy or a horse given a person's name after its noun, the noun itself too
        ("en", "she's bringing her teddy called oliver and a torch"),
        ("en", "She's bringing her teddy called Oliver and a torch."),
        ("en", "we've a new gelding called Arthur and a foal named Rosie"),
        ("fr", "il emmène sa peluche qui s'appelle victor"),
        # a horse named as the predicate's subject, an article before the noun
        ("fr", "on a vu bastien hier bastien c'est le cheval hein"),
        # an event named after someone, after or before its noun
        ("fr", "Il voudrait faire le séjour Victor Hugo cet été."),
        ("fr", "elle s'inscrit au stage cousteau en juillet"),
        ("en", "He'd like the Shackleton climbing week and the Newton science camp."),
        ("en", "she's down for the franklin art course"),
        # a bouquet or a wreath sold by a name
        ("fr", "je voudrais le bouquet Ophélie en grande taille"),
        # a plant's variety before its noun
        ("en", "the Little Jack Horner pumpkins did really well this year"),
    ],
)
def test_things_named_like_people(language: str, text: str) -> None:
    assert names(text, language) == [], names(text, language)


@pytest.mark.parametrize(
    ("language", "text", "name"),
    [
        # the owner or the person beside the named thing stays
        ("en", "the teddy belongs to my daughter florentyna", "florentyna"),
        ("fr", "c'est Mme Ludivine Caradeuc pour le stage de son fils", "ludivine caradeuc"),
        ("en", "our counsellor quillanna runs the archery week", "quillanna"),
        # a person named before a time's noun is no event's name
        ("en", "i spoke to a lady called marisolde last week", "marisolde"),
        ("fr", "j'ai eu votre collègue ondine-marthe la semaine dernière", "ondine-marthe"),
    ],
)
def test_people_beside_named_things(language: str, text: str, name: str) -> None:
    assert any(name in n for n in names(text, language)), names(text, language)
