"""The general rules added for redaction recall on what callers say (issue 22, recall round): one
new sentence per rule, written for the rule (no corpus row), in the shapes Whisper writes."""

from __future__ import annotations

import pytest

from transforms.privacy.pii import redact_text


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a named estate opened by an article, and the dwelling parts said after it
        (
            "fr",
            "j'habite résidence le clos des vignes escalier d appartement 31",
            "j'habite <ADDRESS>",
        ),
        # a street name holding a word that is a number in English only, and a link word
        ("fr", "c'est au 14 rue du four à pain", "c'est au <ADDRESS>"),
        # a residence said as a kind of home is no address
        ("fr", "c'est notre résidence principale depuis dix ans", None),
    ],
)
def test_addresses_by_the_grammar_of_french_street_lines(language, text, expected) -> None:
    assert redact_text(text, language).text == (expected or text)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # a reference word bound to a word naming what the customer holds
        ("en", "the meter serial is 21k550918", "the meter serial is <ID>"),
        ("fr", "le numéro de série du compteur c'est 07x119384", None),
        # a transaction's serial stays
        ("en", "the serial number of the kettle is 55k12345", None),
    ],
)
def test_a_serial_of_the_customers_meter_is_an_identifier(language, text, expected) -> None:
    out = redact_text(text, language).text
    if expected:
        assert out == expected
    elif "kettle" in text:
        assert out == text
    else:
        assert "<ID>" in out and "119384" not in out


def test_a_number_continued_after_a_correction_word_is_one_phone() -> None:
    text = "my number is 0161 496, sorry, 0382"
    assert redact_text(text, "en").text == "my number is <PHONE>"
