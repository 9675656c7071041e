from pathlib import Path

import pytest
import yaml

from transforms.scoring import (
    ScorecardError,
    latest,
    load_scorecard,
    load_scorecards,
    normalise,
    phrase_similarity,
    score_call,
)
from transforms.settings import REPO_ROOT
from transforms.transcription import Segment

CARD = REPO_ROOT / "config" / "scorecards" / "standard-v1.yaml"


def seg(speaker, start, end, text, logprob=-0.2):
    return Segment(speaker, 0 if speaker == "agent" else 1, start, end, text, logprob, 0.01)


def test_normalise_folds_accents_and_punctuation():
    assert normalise("Cet appel est ENREGISTRÉ, merci !") == "cet appel est enregistre merci"
    assert normalise("Je m'appelle Zoé") == "je m appelle zoe"


def test_phrase_similarity_respects_word_boundaries_and_tolerates_slips():
    assert phrase_similarity("hello", "othello was here") < 85
    assert phrase_similarity("cet appel est enregistre", "cet appel est enregistrer pour") >= 85
    assert phrase_similarity("how can i help you", "so how can i help you today") == 100


def test_good_english_call_meets_every_criterion():
    card = load_scorecard(CARD)
    segments = [
        seg("agent", 0.5, 4, "Good morning, my name is Tom from Globex."),
        seg("agent", 4.5, 7, "This call is recorded for quality purposes."),
        seg("agent", 7.5, 9, "How can I help you?"),
        seg("customer", 9.5, 14, "My bill is too high this month."),
        seg("agent", 15, 18, "If I understand correctly, you were charged twice."),
        seg("agent", 40, 43, "Thank you for calling, have a nice day."),
    ]
    result = score_call(card, segments, language="en", duration_s=45)
    assert [r.criterion_id for r in result.results if not r.met] == []
    assert result.score == 100 and result.passed
    disclosure = next(r for r in result.results if r.criterion_id == "recording_disclosure")
    assert disclosure.evidence.start_s == 4.5 and disclosure.confidence() == pytest.approx(
        0.8187, 1e-3
    )


def test_poor_french_call_fails_with_evidence_of_the_forbidden_word():
    card = load_scorecard(CARD)
    segments = [
        seg("agent", 0, 3, "Oui, allô."),
        seg("customer", 3.5, 8, "Bonjour, ma box ne marche plus, comment puis-je vous aider ?"),
        seg("agent", 9, 12, "Débrouillez-vous avec le manuel."),
        seg("agent", 20, 22, "Au revoir."),
    ]
    result = score_call(card, segments, language="fr", duration_s=30)
    verdicts = {r.criterion_id: r for r in result.results}
    # the customer's "bonjour"/"comment puis-je vous aider" do not count for the agent
    assert not verdicts["greeting"].met and not verdicts["needs_discovery"].met
    forbidden = verdicts["no_forbidden_words"]
    assert not forbidden.met and forbidden.evidence.text.startswith("Débrouillez")
    assert result.score == 0 and not result.passed


def test_time_windows_limit_where_a_phrase_counts():
    card = load_scorecard(CARD)
    late_greeting = [seg("agent", 30, 32, "Hello there"), seg("agent", 0, 2, "Have a nice day")]
    verdicts = {
        r.criterion_id: r.met
        for r in score_call(card, late_greeting, language="en", duration_s=60).results
    }
    assert verdicts["greeting"] is False  # after the first 15 s
    assert verdicts["closing"] is False  # before the last 20 s


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c.pop("pass_threshold"), "missing field 'pass_threshold'"),
        (lambda c: c["criteria"][0].update(kind="vibes"), "field 'kind' must be one of"),
        (lambda c: c["criteria"][0].update(weight=0), "field 'weight' must be positive"),
        (lambda c: c["criteria"][1].update(id="greeting"), "duplicate criterion id"),
        (lambda c: c["criteria"][0].update(phrases={"en": []}), "field 'phrases'"),
        (lambda c: c["criteria"][0].update(speaker="bot"), "field 'speaker'"),
    ],
)
def test_scorecard_validation_names_the_bad_field(tmp_path: Path, mutate, message):
    raw = yaml.safe_load(CARD.read_text())
    mutate(raw)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw))
    with pytest.raises(ScorecardError, match=message):
        load_scorecard(bad)


def test_latest_version_wins(tmp_path: Path):
    raw = yaml.safe_load(CARD.read_text())
    for version in ("1", "2", "10"):
        raw["version"] = version
        (tmp_path / f"standard-v{version}.yaml").write_text(yaml.safe_dump(raw))
    assert latest(load_scorecards(tmp_path), "standard").version == "10"
