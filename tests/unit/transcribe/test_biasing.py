"""Decoder biasing: the prompt comes from the call's scorecard and tenant, never forbidden words."""

from pathlib import Path

import numpy as np

from transforms.core.scorecards import Assignments, CardChoice, load_scorecards, parse_scorecard
from transforms.core.settings import REPO_ROOT
from transforms.core.tenants import Tenant
from transforms.transcribe.batch import call_jobs
from transforms.transcribe.biasing import (
    MAX_PROMPT_CHARS,
    DecoderBias,
    bias_of,
    decoder_bias,
    fit_prompt,
    prompt_text,
)
from transforms.transcribe.engine import (
    MIN_PRIMED_WORDS_PER_S,
    PRIME_BELOW,
    Transcriber,
    _mean_word_probability,
    _Work,
)

CARDS = load_scorecards(REPO_ROOT / "config" / "scorecards")
STANDARD = CARDS[("standard", "1")]
TENANT = Tenant("acme", "Atlas Énergie (synthetic)", ("fr", "en"), "standard")


def test_prompt_is_the_tenant_name_then_the_cards_phrasings_in_the_calls_language():
    bias = decoder_bias(STANDARD, "Atlas Énergie", ("fr", "en"))
    fr, en = bias.for_language("fr"), bias.for_language("en")
    assert fr.startswith("Atlas Énergie. Bonjour.") and "Cet appel est enregistré." in fr
    assert "Comment puis-je vous aider." in fr and "Hello" not in fr
    assert en.startswith("Atlas Énergie. Hello.") and "This call is recorded." in en
    assert bias.for_language("de") is None


def test_forbidden_phrasings_never_prime_the_decoder():
    text = decoder_bias(STANDARD, "Atlas Énergie", ("fr",)).for_language("fr").lower()
    for forbidden in STANDARD.criterion("no_forbidden_words").phrases["fr"]:
        assert forbidden.lower() not in text


def test_every_criterion_gets_a_phrasing_before_any_gets_a_second_and_the_prompt_fits():
    long = [[f"criterion {c} phrasing {i} " + "mot " * 6 for i in range(5)] for c in range(9)]
    text = prompt_text("Nom", long)
    assert len(text) <= MAX_PROMPT_CHARS
    assert all(f"Criterion {c} phrasing 0" in text for c in range(9))
    assert "phrasing 4" not in text


def test_the_prompt_is_cut_at_a_sentence_end_to_fit_the_token_budget_name_first():
    text = "Atlas. Bonjour. Je m'appelle. Cet appel est enregistré."
    words = lambda t: len(t.split())  # noqa: E731  (a stand-in tokenizer: one token a word)
    assert fit_prompt(text, words, 4) == "Atlas. Bonjour. Je m'appelle."
    assert fit_prompt(text, words, 1) == "Atlas."
    assert fit_prompt(text, words, 100) == text


def test_prompt_or_hotwords_reach_faster_whisper_options():
    bias = DecoderBias((("fr", "Atlas. Bonjour."),), "prompt")
    assert bias_of(bias, "fr") == {"initial_prompt": " Atlas. Bonjour.", "hotwords": None}
    hot = DecoderBias((("fr", "Atlas. Bonjour."),), "hotwords")
    assert bias_of(hot, "fr") == {"initial_prompt": None, "hotwords": "Atlas. Bonjour."}
    assert bias_of(bias, "en") == {"initial_prompt": None, "hotwords": None}
    assert bias_of(None, "fr") == {"initial_prompt": None, "hotwords": None}


def test_each_job_is_primed_with_the_card_assigned_to_its_campaign(tmp_path: Path):
    retention = parse_scorecard(
        {"id": "retention", "version": "1", "name": "Retention", "pass_threshold": 70,
         "sections": [{"id": "s", "name": "S", "criteria": [
             {"id": "offer", "name": "Offer", "kind": "phrase_said", "weight": 1,
              "phrases": {"fr": ["je vous propose une remise"]}}]}]}
    )  # fmt: skip
    cards = {**CARDS, ("retention", "1"): retention}
    assignments = Assignments({}, {"acme": ("standard", {"retention": "retention"})})
    choice = CardChoice("acme", cards, assignments, fallback="standard")
    audio = tmp_path / "call.wav"
    audio.write_bytes(b"RIFF")
    calls = [
        {"call_uid": "u1", "tenant_id": "acme", "campaign": None, "audio_uri": str(audio),
         "channels": 2, "language": "fr", "channel_layout": "agent-left"},
        {"call_uid": "u2", "tenant_id": "acme", "campaign": "retention", "audio_uri": str(audio),
         "channels": 2, "language": "fr", "channel_layout": "agent-left"},
    ]  # fmt: skip

    def card_for(tenant_id, campaign):
        return choice.card_for(campaign)

    jobs = list(call_jobs(calls, {"acme": TENANT}, {}, card_for))
    first = jobs[0].bias.for_language("fr")
    assert first.startswith("Atlas Énergie.") and "(synthetic)" not in first
    assert jobs[0].bias == decoder_bias(STANDARD, "Atlas Énergie", TENANT.languages)
    assert jobs[1].bias.for_language("fr") == "Atlas Énergie. Je vous propose une remise."
    # without a card (no tenant registry entry), a call is transcribed unprimed
    assert next(iter(call_jobs(calls[:1], {}, {}, card_for))).bias is None


def test_a_primed_chunk_cut_short_by_its_prompt_is_not_kept():
    transcriber = Transcriber.__new__(Transcriber)  # no model: the decoder is stubbed
    asked = []
    primed_text = {0: "Cet appel est enregistré.", 1: "Bonjour, je vous écoute."}

    def decode(indices, work, options):
        asked.append((tuple(indices), options))
        return {i: [{"text": primed_text[i]}] for i in indices}

    transcriber._decode = decode
    work = _Work([np.zeros(1), np.zeros(1)], [{"duration": 10.0}, {"duration": 2.0}], None)
    plain = {0: [{"text": "c'est un peu près ton registre on va voir"}], 1: [{"text": "Bon."}]}
    kept = transcriber._primed_unless_cut(plain, [0, 1], work, "primed options")
    assert asked == [((0, 1), "primed options")]
    # 4 words for 10 s of speech is cut short (under MIN_PRIMED_WORDS_PER_S a second) and the
    # plain text is longer: it stays; 4 words for 2 s is whole: the primed text replaces it
    assert MIN_PRIMED_WORDS_PER_S * 10 > 4
    assert kept == {1: [{"text": "Bonjour, je vous écoute."}]}


def test_only_chunks_heard_unsure_are_primed():
    sure = [{"text": "Bonjour", "words": [{"probability": 0.9}, {"probability": 0.8}]}]
    unsure = [{"text": "Pour vous", "words": [{"probability": 0.2}, {"probability": 0.3}]}]
    assert _mean_word_probability(sure) >= PRIME_BELOW > _mean_word_probability(unsure)
    assert _mean_word_probability([{"text": "", "words": []}]) == 0.0
