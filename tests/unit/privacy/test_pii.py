# ruff: noqa: E501  (test utterances read best on one line)
"""PII redaction: each entity in French and English, written and spoken, negatives, word timings,
and proof that nothing is fetched from the network. All numbers are synthetic (fiction ranges,
card test numbers, published IBAN examples)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest

from transforms.privacy.pii import (
    AudioSpan,
    PiiSpan,
    find_pii,
    redact_segments,
    redact_text,
    redact_words,
)

ROOT = Path(__file__).resolve().parents[3]

POSITIVES = [
    # (language, text, entity, the entity's words)
    ("fr", "mon numéro c'est le zéro six trente-neuf quatre-vingt-dix-huit douze trente-quatre merci",
     "PHONE", "zéro six trente-neuf quatre-vingt-dix-huit douze trente-quatre"),
    ("fr", "rappelez-moi au 06 39 98 12 34 demain", "PHONE", "06 39 98 12 34"),
    ("fr", "c'est le 0199004455 voilà", "PHONE", "0199004455"),
    ("fr", "alors zéro un, quatre-vingt-dix-neuf, double zéro, vingt et un, treize.", "PHONE",
     "zéro un, quatre-vingt-dix-neuf, double zéro, vingt et un, treize"),
    ("fr", "c'est zéro six trois neuf neuf huit zéro un zéro deux", "PHONE",
     "zéro six trois neuf neuf huit zéro un zéro deux"),
    ("fr", "le zéro six 39 98 euh 41 12 c'est mon portable", "PHONE", "zéro six 39 98 euh 41 12"),
    ("fr", "plus trente-trois six trente-neuf quatre-vingt-dix-huit dix onze", "PHONE",
     "plus trente-trois six trente-neuf quatre-vingt-dix-huit dix onze"),
    ("en", "my number is oh seven seven oh oh nine oh oh one two three thanks", "PHONE",
     "oh seven seven oh oh nine oh oh one two three"),
    ("en", "it's oh double seven double oh, nine double oh, four five six", "PHONE",
     "oh double seven double oh, nine double oh, four five six"),
    ("en", "call me on +44 20 7946 0958 please", "PHONE", "+44 20 7946 0958"),
    ("en", "the number is (617) 555-0199 ok", "PHONE", "617) 555-0199"),
    ("en", "two oh two five five five oh one four three is my cell", "PHONE",
     "two oh two five five five oh one four three"),
    ("fr", "mon mail c'est jean point dupont arobase exemple point fr voilà", "EMAIL",
     "jean point dupont arobase exemple point fr"),
    ("fr", "envoyez à marie tiret du bas martin arrobase exemple point com merci", "EMAIL",
     "marie tiret du bas martin arrobase exemple point com"),
    ("fr", "c'est marie.martin@exemple.fr pour la facture", "EMAIL", "marie.martin@exemple.fr"),
    ("en", "my email is john dot smith at example dot co dot uk thanks", "EMAIL",
     "john dot smith at example dot co dot uk"),
    ("en", "it's jane underscore doe at example dot com", "EMAIL", "jane underscore doe at example dot com"),
    ("fr", "mon iban c'est fr76 3000 6000 0112 3456 7890 189 voilà", "IBAN",
     "fr76 3000 6000 0112 3456 7890 189"),
    ("fr", "iban f r sept six trente mille six zéro zéro zéro zéro un un deux trois quatre cinq "
     "six sept huit neuf zéro un huit neuf", "IBAN",
     "f r sept six trente mille six zéro zéro zéro zéro un un deux trois quatre cinq six sept "
     "huit neuf zéro un huit neuf"),
    ("en", "my iban is gb82 west 1234 5698 7654 32 for the refund", "IBAN", "gb82 west 1234 5698 7654 32"),
    ("fr", "la carte c'est le 4970 1012 3456 7893 expire en mars", "CARD", "4970 1012 3456 7893"),
    ("fr", "quatre mille neuf cent soixante-dix, mille douze, trois mille quatre cent cinquante-six, "
     "sept mille huit cent quatre-vingt-treize", "CARD",
     "quatre mille neuf cent soixante-dix, mille douze, trois mille quatre cent cinquante-six, "
     "sept mille huit cent quatre-vingt-treize"),
    ("en", "card number 4111-1111-1111-1111 thanks", "CARD", "4111-1111-1111-1111"),
    ("en", "it's forty-two forty-two forty-two forty-two forty-two forty-two forty-two forty-two",
     "CARD", "forty-two forty-two forty-two forty-two forty-two forty-two forty-two forty-two"),
    ("fr", "mon numéro de sécu c'est le 1 85 03 75 112 345 94 voilà", "NIR", "1 85 03 75 112 345 94"),
    ("fr", "un quatre-vingt-cinq zéro trois soixante-quinze cent douze trois cent quarante-cinq "
     "clé quatre-vingt-quatorze", "NIR",
     "un quatre-vingt-cinq zéro trois soixante-quinze cent douze trois cent quarante-cinq "
     "clé quatre-vingt-quatorze"),
    ("en", "my french social security number is 292126912304574", "NIR", "292126912304574"),
]  # fmt: skip


@pytest.mark.parametrize(("language", "text", "entity", "surface"), POSITIVES)
def test_finds_each_entity_with_its_exact_extent(language, text, entity, surface) -> None:
    spans = find_pii(text, language)
    assert [(text[s.start : s.end], s.entity) for s in spans] == [(surface, entity)]


NEGATIVES = [
    ("fr", "ça fait quarante-neuf euros quatre-vingt-dix-neuf par mois"),
    ("fr", "le rendez-vous est le 14 juin 2024 à 14h30, on vous rappelle dans 45 minutes"),
    ("fr", "la commande numéro 0 6 12 34 56 78 est partie"),
    ("fr", "votre numéro de dossier c'est le 2024 118 734 et le ticket 45 87 12"),
    ("fr", "de mon point de vue, point final, on est à paris"),
    ("fr", "j'ai payé deux mille trois cent quarante-cinq euros le vingt-deux février deux mille vingt-trois"),
    ("fr", "le siret 732 829 320 00074"),
    ("en", "you were charged 29.99 on the 12th of march at 2:30 pm"),
    ("en", "the order number is 100 234 987 and the tracking number 1z 999 aa1 01 2345 6784"),
    ("en", "i'm at the office at nine, it was a dot com company"),
    ("en", "the last four digits are 4 5 6 7 and the cvv is 7 3 9"),
    ("en", "seven hundred and fifty thousand customers, twenty twenty three, nineteen ninety-nine"),
    ("en", "your case number is 2025550143"),
]  # fmt: skip


@pytest.mark.parametrize(("language", "text"), NEGATIVES)
def test_no_false_positive_on_amounts_dates_and_references(language, text) -> None:
    assert find_pii(text, language) == []


def test_placeholders_keep_the_neighbouring_words() -> None:
    text = "appelez le 06 39 98 12 34, ou écrivez à paul point roux arobase exemple point fr demain"
    redacted = redact_text(text, "fr")
    assert redacted.text == "appelez le <PHONE>, ou écrivez à <EMAIL> demain"
    email = "paul point roux arobase exemple point fr"
    assert redacted.spans == (
        PiiSpan(11, 25, "PHONE"),
        PiiSpan(text.index(email), text.index(email) + len(email), "EMAIL"),
    )
    assert text[11:25] == "06 39 98 12 34"


def test_two_entities_back_to_back_stay_two_placeholders() -> None:
    text = "card 4111 1111 1111 1111 phone 07700 900123"
    assert redact_text(text, "en").text == "card <CARD> phone <PHONE>"


def test_other_languages_run_both_rule_sets_and_empty_text_is_fine() -> None:
    assert redact_text("numero 06 39 98 12 34", "de").text == "numero <PHONE>"
    assert redact_text("", "fr").text == ""
    assert redact_text("   ", "en").spans == ()


def _words(text: str, step: float = 0.5) -> list[dict]:
    """faster-whisper-like words: each with its leading space, consecutive timings."""
    return [
        {
            "word": " " + w,
            "start_s": i * step,
            "end_s": i * step + 0.4,
            "probability": 0.9 - i * 0.01,
        }
        for i, w in enumerate(text.split())
    ]


def test_word_list_redaction_keeps_timings_and_merges_entity_words() -> None:
    words = _words(
        "mon numéro c'est zéro six trente-neuf quatre-vingt-dix-huit douze trente-quatre, merci"
    )
    seg = redact_words(words, "fr")
    assert seg.text == " mon numéro c'est <PHONE>, merci"
    assert [w["word"] for w in seg.words] == [" mon", " numéro", " c'est", " <PHONE>,", " merci"]
    phone = seg.words[3]
    assert (phone["start_s"], phone["end_s"]) == (1.5, 4.4)
    assert phone["probability"] == pytest.approx(min(w["probability"] for w in words[3:9]))
    assert seg.audio_spans == (AudioSpan(1.5, 4.4, "PHONE"),)
    assert seg.words[0] == words[0] and seg.words[-1] == words[-1]
    original = "".join(w["word"] for w in words)
    assert [original[s.start : s.end] for s in seg.spans] == [
        "zéro six trente-neuf quatre-vingt-dix-huit douze trente-quatre"
    ]


def test_word_objects_and_no_pii_pass_through() -> None:
    Word = namedtuple("Word", "word start_s end_s probability")
    words = [Word(" hello", 0.0, 0.3, 0.9), Word(" there", 0.3, 0.6, 0.8)]
    seg = redact_words(words, "en")
    assert seg.text == " hello there" and seg.audio_spans == () and seg.spans == ()
    assert seg.words == [w._asdict() for w in words]


def test_faster_whisper_word_objects_work_as_they_are() -> None:
    from faster_whisper.transcribe import Word

    words = [
        Word(0.0, 0.4, " call", 0.9),
        Word(0.4, 0.9, " 07700", 0.8),
        Word(0.9, 1.5, " 900123", 0.7),
    ]
    seg = redact_words(words, "en")
    assert seg.text == " call <PHONE>"
    assert seg.words[1] == {"word": " <PHONE>", "start_s": 0.4, "end_s": 1.5, "probability": 0.7}
    assert seg.audio_spans == (AudioSpan(0.4, 1.5, "PHONE"),)


def test_number_read_across_two_segments_is_redacted_in_both() -> None:
    first = _words("my number is oh seven seven oh oh")
    second = [
        {**w, "start_s": w["start_s"] + 10, "end_s": w["end_s"] + 10}
        for w in _words("nine oh oh one two three okay")
    ]
    a, b = redact_segments([first, second], "en")
    assert a.text == " my number is <PHONE>" and b.text == " <PHONE> okay"
    assert a.audio_spans == (AudioSpan(1.5, 3.9, "PHONE"),)
    assert b.audio_spans == (AudioSpan(10.0, 12.9, "PHONE"),)


def test_segment_redaction_alone_does_not_see_the_other_half() -> None:
    # Documents why redact_segments exists: half a number is not a valid number.
    assert redact_words(_words("my number is oh seven seven oh oh"), "en").audio_spans == ()


def test_word_split_inside_a_number_is_covered() -> None:
    words = [
        {"word": " c'est", "start_s": 0.0, "end_s": 0.2, "probability": 0.9},
        {"word": " 06", "start_s": 0.2, "end_s": 0.5, "probability": 0.9},
        {"word": " 39", "start_s": 0.5, "end_s": 0.8, "probability": 0.9},
        {"word": " 98", "start_s": 0.8, "end_s": 1.1, "probability": 0.9},
        {"word": " 12", "start_s": 1.1, "end_s": 1.4, "probability": 0.9},
        {"word": " 34.", "start_s": 1.4, "end_s": 1.7, "probability": 0.9},
    ]
    seg = redact_words(words, "fr")
    assert seg.text == " c'est <PHONE>."
    assert seg.audio_spans == (AudioSpan(0.2, 1.7, "PHONE"),)


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test on any attempt to open a network connection."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_engine_built_and_run_offline(no_network) -> None:
    from transforms.privacy import pii

    pii.analyzer.cache_clear()
    assert redact_text("écrivez à jean.dupont@exemple.fr", "fr").text == "écrivez à <EMAIL>"
    assert redact_text("john at example dot com", "en").text == "<EMAIL>"
    # An unknown suffix is no e-mail, and checking it needs no download either.
    assert redact_text("john@example.notasuffix", "en").spans == ()


def test_fresh_process_loads_installed_models_and_touches_no_network(tmp_path) -> None:
    """A cold import with an empty home (no tldextract cache), sockets that refuse to connect and
    spaCy's downloader disabled: the NER pipelines come from installed packages."""
    script = """
import socket, sys
def refuse(*a, **k):
    raise SystemExit("network access attempted")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
import spacy, spacy.cli
def no_download(*a, **k):
    raise SystemExit("a spaCy model download was attempted")
spacy.cli.download = no_download
from transforms.privacy.pii import redact_text
out = redact_text("mail jean point dupont arobase exemple point fr ou marie@exemple.com", "fr").text
assert out == "mail <EMAIL> ou <EMAIL>", out
print("ok")
"""
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
    assert not (tmp_path / "cache" / "python-tldextract").exists()


def test_a_corrected_number_is_redacted_whole() -> None:
    text = "it's oh seven seven oh oh nine oh oh, no, nine oh oh four four seven then"
    assert redact_text(text, "en").text == "it's <PHONE> then"
    text = "c'est le zéro six trente-neuf, pardon, zéro six trente-neuf quatre-vingt-dix-huit vingt vingt merci"
    assert redact_text(text, "fr").text == "c'est le <PHONE> merci"
    # A correction between two amounts stays an amount.
    assert redact_text("ça fait trente euros, non, quarante", "fr").spans == ()


def test_spoken_local_part_stops_at_a_pause_and_at_stop_words() -> None:
    text = "c'est paul, paul point roux arobase exemple point fr"
    # the first "paul" is a first name said alone (a name since the first-name lists)
    assert redact_text(text, "fr").text == "c'est <NAME>, <EMAIL>"
    assert redact_text("send it to mike at example dot com", "en").text == "send it to <EMAIL>"


def test_garbled_number_after_a_phone_word_is_still_redacted() -> None:
    # Real Whisper output of a French sample call: the number lost digits, no check can pass.
    text = "mon portable, celle de mého s'est en train de 4-10-8-1-67."
    assert redact_text(text, "fr").text == "mon portable, celle de mého s'est en train de <PHONE>."
    # Without a phone word, or when it is a date or an order number, it stays.
    assert redact_text("il est en train de 4-10-8-1-67", "fr").spans == ()
    assert redact_text("mon numéro, je l'ai changé le 12 03 2024", "fr").spans == ()
    # A subscriber number is an identifier of the customer (issue 22), not a phone number.
    assert redact_text("votre numéro d'abonné c'est le 55 10 32 87 9", "fr").text == (
        "votre numéro d'abonné c'est le <ID>"
    )
    assert redact_text("my phone bill went from 60 to 90 pounds in 2024", "en").spans == ()
