"""Names, addresses and identifiers as callers say them (issue 22), the corpora that measure them,
the tenant registry's identifier patterns, and audio that follows the text."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from transforms.core.tenants import Tenant, load_tenants
from transforms.core.transcript import CallTranscript, Segment, Word
from transforms.privacy.pii import find_pii, redact_text
from transforms.privacy.pii.ner import MODELS, NerModelMissing, _LazyModels
from transforms.privacy.redaction import redact_transcript

ROOT = Path(__file__).resolve().parents[3]


def _bench(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("fr", "Oui bonjour, je m'appelle Hélène Quintard.", "Oui bonjour, je m'appelle <NAME>."),
        ("fr", "alors mon nom c'est quintard q u i n t a r d", "alors mon nom c'est <NAME> <NAME>"),
        ("fr", "c'est madame quintard pour la facture", "c'est madame <NAME> pour la facture"),
        ("fr", "Q comme Quintal, U comme Ursule, I comme Irma", "<NAME>"),
        ("en", "hi my name is oswald pemberton", "hi my name is <NAME>"),
        ("en", "it's Mrs Pemberton calling", "it's Mrs <NAME> calling"),
        ("en", "that's P for Papa, E for Echo, M for Mike", "that's <NAME>"),
        (
            "en",
            "Good morning, Northwind, Tabitha speaking.",
            "Good morning, Northwind, <NAME> speaking.",
        ),
    ],
)
def test_names_by_the_script_words_around_them(language, text, expected) -> None:
    assert redact_text(text, language).text == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("fr", "j'habite au 7 ter impasse des Glycines", "j'habite au <ADDRESS>"),
        ("fr", "le code postal c'est 29200", "le code postal c'est <ADDRESS>"),
        ("fr", "c'est au 40 rue Pasteur, 29200 Brest", "c'est au <ADDRESS>, <ADDRESS>"),
        ("en", "I live at 14 Larkspur Crescent", "I live at <ADDRESS>"),
        ("en", "the postcode is s e one, seven p b", "the postcode is <ADDRESS>"),
        ("en", "it's PL4 6QT", "it's <ADDRESS>"),
    ],
)
def test_street_lines_and_postcodes(language, text, expected) -> None:
    assert redact_text(text, language).text == expected


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "je déménage à Lyon le mois prochain"),
        ("fr", "à la place de mon mari"),
        ("fr", "le colis pèse 12500 grammes"),
        ("en", "your nearest store is in Birmingham"),
        ("en", "I'm calling about my bill, I'm on the Superfast 500 package"),
        ("en", "the order number is 4 5 7 8 9 2 1 and the flight is ba 2490"),
        ("fr", "le numéro de commande c'est 100 234 987"),
        ("en", "the account was opened in 1998"),
        ("fr", "le technicien passe entre 8 et 12 heures, ça coûte 49,99 euros"),
        ("en", "Thank you for calling, can I take your name and postcode please?"),
    ],
)
def test_towns_offers_references_and_agent_questions_stay(language, text) -> None:
    assert find_pii(text, language) == []


def test_identifiers_read_out_by_context_by_shape_and_by_tenant_pattern() -> None:
    said = "my account number is G X, five five two, eight one nine"
    assert redact_text(said, "en").text == "my account number is <ID>"
    assert redact_text("votre numéro client c'est le 12 34 56 78", "fr").text == (
        "votre numéro client c'est le <ID>"
    )
    # no naming word: a code shape (letters, then five digits or more) is still an id
    assert redact_text("attendez, qv 214 d'accord 348, voilà", "fr").text == "attendez, <ID>, voilà"
    # a short id only the tenant's pattern knows
    plain = "it's zk 4471"
    assert redact_text(plain, "en").text == plain
    assert redact_text(plain, "en", id_patterns=["ZK[0-9]{4}"]).text == "it's <ID>"


def test_cards_ibans_and_phones_read_across_turns_with_a_backchannel() -> None:
    text = "the long number on the card is 4970 1012 okay 3456 7897"
    assert redact_text(text, "en").text == "the long number on the card is <CARD>"
    text = "mon portable c'est le 06 39 98 d'accord 12 34"
    assert redact_text(text, "fr").text == "mon portable c'est le <PHONE>"


@pytest.mark.parametrize(
    "email",
    ["tom.bakeradremple.com", "j.walkerathotmail.co.uk", "lea_roux2arobasegmail.com"],
)
def test_emails_glued_into_one_token(email) -> None:
    assert redact_text(f"send it to {email} please", "en").text == "send it to <EMAIL> please"


def test_web_addresses_are_not_emails() -> None:
    for site in ("www.globex.com", "support.acme.fr", "acme.co.uk"):
        assert find_pii(f"go to {site} for the form", "en") == []


def test_the_tenants_name_is_not_a_person() -> None:
    text = "Bonjour, Ondine Banque, que puis-je faire pour vous ?"
    assert find_pii(text, "fr", org_names=["Ondine Banque"]) == []


def _segment(speaker: str, channel: int, start: float, text: str) -> Segment:
    words, t = [], start
    for w in text.split():
        words.append(Word(f" {w}", t, t + 0.3, 0.9))
        t += 0.35
    return Segment(speaker, channel, start, t, text, -0.2, 0.01, tuple(words))


def test_a_call_is_redacted_across_speakers_and_every_span_gets_its_audio() -> None:
    """The agent asks, the caller answers on the other channel: the garbled number is announced
    by the agent's question; names and ids get audio spans on their own channel."""
    transcript = CallTranscript(
        language="en",
        language_probability=0.9,
        duration_s=20.0,
        segments=[
            _segment("agent", 0, 0.0, "Could you give me the phone number on the account?"),
            _segment("customer", 1, 3.0, "Sure, it's 0, 900, 456."),
            _segment("agent", 0, 6.0, "And your name?"),
            _segment("customer", 1, 8.0, "It's Oswald Pemberton, account GX552819."),
        ],
    )
    tenant = Tenant("t", "Globex Energy", ("en",), "standard", pii_id_patterns=("GX[0-9]{6}",))
    red = redact_transcript(transcript, tenant)
    texts = [s.text for s in red.transcript.segments]
    assert texts[1] == "Sure, it's <PHONE>."
    assert texts[3] == "It's <NAME>, account <ID>."
    assert dict(red.entities) == {"PHONE": 1, "NAME": 1, "ID": 1}
    assert {s.entity for s in red.audio_spans[1]} == {"PHONE", "NAME", "ID"}
    assert 0 not in red.audio_spans  # nothing the agent said is toned out
    for seg in red.transcript.segments:
        assert "".join(w.word for w in seg.words).strip() == seg.text


def test_a_missing_pipeline_is_an_error_that_downloads_nothing() -> None:
    models = _LazyModels({"xx": "xx_not_installed_pipeline"})
    with pytest.raises(NerModelMissing, match="make install"):
        models["xx"]


def test_pipelines_are_installed_packages_loaded_once() -> None:
    import spacy

    from transforms.privacy.pii import analyzer

    assert all(spacy.util.is_package(name) for name in MODELS.values())
    engine = analyzer().nlp_engine
    find_pii("Bonjour, je m'appelle Hélène.", "fr")
    first = engine.nlp["fr"]
    find_pii("Bonjour, je m'appelle Hélène.", "fr")
    assert engine.nlp["fr"] is first
    assert set(first.pipe_names) == {"tok2vec", "ner"}


# ----------------------------------------------------------------------------- corpora


def test_the_heldout_split_is_as_first_written() -> None:
    calls = _bench("pii_calls")
    rows = calls.load()
    assert calls.heldout_digest(rows) == calls.HELDOUT_SHA256


def test_heldout_values_and_wording_never_occur_in_dev() -> None:
    script = yaml.safe_load((ROOT / "bench" / "pii_calls.yaml").read_text(encoding="utf-8"))
    for lang in ("fr", "en"):
        dev, held = script["dev"][lang], script["heldout"][lang]
        for key in ("agents", "domains"):
            assert not set(dev[key]) & set(held[key]), key
        assert not {tuple(p) for p in dev["people"]} & {tuple(p) for p in held["people"]}
        assert not {tuple(s) for s in dev["streets"]} & {tuple(s) for s in held["streets"]}
        assert not {t["name"] for t in dev["tenants"]} & {t["name"] for t in held["tenants"]}
        for kind, templates in dev["templates"].items():
            assert not set(templates) & set(held["templates"][kind]), kind
        dev_neg = {x for v in dev["negatives"].values() for x in v}
        held_neg = {x for v in held["negatives"].values() for x in v}
        assert not dev_neg & held_neg


def _figures(split: str, corpus: str) -> dict:
    accuracy = _bench("pii_accuracy")
    rows = [
        json.loads(x)
        for x in (ROOT / "bench" / "data" / corpus).read_text(encoding="utf-8").splitlines()
        if x
    ]
    counts = accuracy.evaluate([r for r in rows if r["split"] == split])
    out = {
        f: counts[f]["found"] / counts[f]["gold"]
        for f in accuracy.FAMILY_ORDER
        if counts[f]["gold"]
    }
    neg = counts["negatives"]
    out["false_alarms"] = neg["false_alarms"] / neg["rows"]
    return out


#: Floors on fixed text: what the product promises, measured as docs/benchmarks.md says. The
#: call-centre held-out read 0.872 for names at issue 22; with the first-name lists every family
#: reads at least 0.963 there (a split read before: a regression floor, no longer a blind one).
FLOORS = {
    ("pii_calls.jsonl", "dev"): 0.95,
    ("pii_calls.jsonl", "heldout"): 0.95,
    ("pii_corpus.jsonl", "dev"): 0.95,
    ("pii_corpus.jsonl", "holdout"): 0.95,
}


@pytest.mark.parametrize(("corpus", "split"), list(FLOORS))
def test_recall_per_family_and_false_alarms_on_the_corpora(corpus, split) -> None:
    figures = _figures(split, corpus)
    assert figures.pop("false_alarms") <= 0.05
    assert min(figures.values()) >= FLOORS[(corpus, split)], figures


# ----------------------------------------------------------------------------- registry


def test_registry_patterns_are_validated_and_errors_name_the_field(tmp_path) -> None:
    def registry(patterns: object) -> Path:
        path = tmp_path / "tenants.yaml"
        entry = {"display_name": "X", "languages": ["fr"], "scorecard": "standard"}
        path.write_text(
            yaml.safe_dump({"tenants": {"acme": {**entry, "pii_id_patterns": patterns}}})
        )
        return path

    assert load_tenants(registry(["GX[0-9]{6}"]))["acme"].pii_id_patterns == ("GX[0-9]{6}",)
    for bad, words in (
        (["GX[0-9"], "not a valid regular expression"),
        (["[0-9]+"], "short or ordinary"),
        ("GX[0-9]{6}", "must be a list"),
    ):
        with pytest.raises(ValueError, match=words) as err:
            load_tenants(registry(bad))
        assert "tenants.acme.pii_id_patterns" in str(err.value)


def test_the_shipped_registry_declares_the_demo_tenants_ids() -> None:
    tenants = load_tenants(ROOT / "config" / "tenants.yaml")
    assert all(t.pii_id_patterns for t in tenants.values())


def test_no_redacted_value_in_errors_or_logs(caplog) -> None:
    """Presidio and spaCy log nothing of the text at any level."""
    caplog.set_level("DEBUG")
    secret = "je m'appelle Hélène Quintard, 40 rue Pasteur, client QX5521934"
    out = redact_text(secret, "fr").text
    assert "Quintard" not in out and "5521934" not in out
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert not re.search(r"Quintard|Pasteur|5521934", logged)


def test_bench_scripts_run(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ner_cost.py"), "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["ner_s_per_audio_min"] > 0
