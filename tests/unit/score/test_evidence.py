"""Evidence that holds on real calls (issue 26): primed text never proves a phrase, forbidden
phrases need the words, role-dependent verdicts are flagged when the roles are in doubt.

Segments are built by hand here (what a decode could give); tests/integration/
test_evidence_audio.py puts the same promises through the real model on synthetic audio.
"""

from __future__ import annotations

import pytest

from transforms.core.scorecards import parse_scorecard
from transforms.core.settings import REPO_ROOT
from transforms.core.transcript import Segment, Word
from transforms.score.rows import score_rows
from transforms.score.scoring import (
    FORBIDDEN_THRESHOLD,
    FORBIDDEN_WORD_CONFIDENCE,
    PRIMED_SUPPORT_MIN,
    ScoringRules,
    load_scorecard,
    score_call,
)

CARD = load_scorecard(REPO_ROOT / "config" / "scorecards" / "standard-v1.yaml")
CARD_V2 = load_scorecard(REPO_ROOT / "config" / "scorecards" / "standard-v2.yaml")
BEFORE = ScoringRules(primed_proof=False, whole_words=False, role_check=False)
NOW = ScoringRules()


def words_of(text: str, start: float, probability: float = 0.9) -> tuple[Word, ...]:
    return tuple(
        Word(f" {w}", start + 0.3 * i, start + 0.3 * i + 0.25, probability)
        for i, w in enumerate(text.split())
    )


def said(text, start=1.0, speaker="agent", *, heard=None, probability=0.9, **kw):
    """A segment; ``heard`` makes it primed, with what the unprimed decode heard there."""
    words = words_of(text, start, probability)
    return Segment(
        speaker,
        0 if speaker == "agent" else 1,
        start,
        words[-1].end_s,
        text,
        -0.2,
        0.01,
        words=words,
        confidence=probability,
        primed=heard is not None,
        unprimed_words=words_of(heard, start) if heard else (),
        **kw,
    )


def verdicts(segments, card=CARD, language="en", rules=NOW, **kw):
    result = score_call(card, segments, language=language, duration_s=60, rules=rules, **kw)
    return {r.criterion_id: r for r in result.results}


# ------------------------------------------------------------------ primed text is a hint


def test_a_phrase_only_in_primed_text_is_not_met_and_goes_to_a_person():
    """Issue 26's French call: the primed re-decode wrote "Cet appel peut être enregistré." over
    speech the unprimed decode heard as something else."""
    primed = said(
        "Cet appel peut être enregistré.", heard="je vous ai dit madame je suis là", probability=0.9
    )
    r = verdicts([primed], language="fr")["recording_disclosure"]
    assert r.status == "not_met" and r.review_reason == "primed_only" and r.needs_review
    assert r.evidence == primed and r.evidence_decode == "primed"
    assert r.evidence_note is not None and "unprimed" in r.evidence_note
    # what main did: met, unflagged, on text the prompt wrote
    before = verdicts([primed], language="fr", rules=BEFORE)["recording_disclosure"]
    assert before.met and not before.needs_review


def support(heard: str, language: str = "en") -> float:
    from transforms.score.matching import best_phrase

    phrasings = CARD.criterion("recording_disclosure").phrasings(language)
    return best_phrase(phrasings, heard, language)[1]


def test_primed_text_the_unprimed_decode_supports_proves_the_phrase():
    """The prompt fixed what Whisper half heard: below the card's threshold, above the support."""
    heard = "is all his record"
    assert PRIMED_SUPPORT_MIN <= support(heard) < CARD.match_threshold
    primed = said("This call is recorded.", heard=heard, start=2)
    r = verdicts([primed])["recording_disclosure"]
    assert r.met and r.evidence_decode == "primed" and not r.needs_review
    assert r.evidence_note is not None and f"needs {PRIMED_SUPPORT_MIN:g}" in r.evidence_note


def test_support_is_read_where_the_primed_phrase_was_written_not_in_the_whole_segment():
    """Two decodes of one chunk: what the unprimed decode heard ten seconds later cannot support
    what the prompt wrote now."""
    primed = said("This call is recorded. " + "Okay then. " * 12, heard="the weather is fine")
    far = Segment(**{**primed.__dict__, "unprimed_words": words_of("is all his record", 12.0)})
    near = Segment(**{**primed.__dict__, "unprimed_words": words_of("is all his record", 1.0)})
    assert verdicts([far])["recording_disclosure"].review_reason == "primed_only"
    assert verdicts([near])["recording_disclosure"].met


def test_support_is_looser_than_the_threshold_but_not_anything():
    assert CARD.match_threshold > PRIMED_SUPPORT_MIN
    assert support("and the weather is nice today") < PRIMED_SUPPORT_MIN
    assert support("je vous ai dit madame je suis là", "fr") < PRIMED_SUPPORT_MIN


def test_an_unprimed_match_elsewhere_proves_the_phrase_when_the_best_is_primed_only():
    primed = said("This call is recorded.", heard="and the weather is nice today", start=5)
    plain = said("Please note this call may be recorded for training.", start=20)
    r = verdicts([primed, plain])["recording_disclosure"]
    assert r.met and r.evidence == plain and r.evidence_decode == "unprimed"
    assert not r.needs_review


def test_a_primed_step_does_not_prove_an_order_nor_an_exemption():
    primed = said("This call is recorded.", heard="and the weather is nice today", start=1)
    ask = said("How can I help you?", start=5)
    r = verdicts([primed, ask], card=CARD_V2)
    assert r["disclosure_first"].status == "na"  # the disclosure step is not proven
    assert r["recording_disclosure"].review_reason == "primed_only"
    card = parse_scorecard(
        {
            "id": "t", "version": "1", "name": "T", "pass_threshold": 50,
            "sections": [{"id": "s", "name": "S", "criteria": [
                {"id": "reform", "name": "R", "kind": "phrase_said", "weight": 1,
                 "phrases": {"en": ["if i understand correctly"]},
                 "na_when": {"phrase_said": {"speaker": "customer",
                                             "phrases": {"en": ["i want to cancel"]}}}},
            ]}],
        }
    )  # fmt: skip
    exempt = said("I want to cancel.", speaker="customer", heard="the sky is blue today", start=8)
    assert verdicts([exempt], card=card)["reform"].status == "not_met"
    assert verdicts([exempt], card=card, rules=BEFORE)["reform"].status == "na"


def test_primed_evidence_and_what_the_unprimed_decode_heard_reach_the_row():
    primed = said("Cet appel peut être enregistré.", heard="je vous ai dit madame", start=3)
    plain = said("Bonjour, je m'appelle Lucie.", start=0)
    result = score_call(CARD, [plain, primed], language="fr", duration_s=60)
    _, rows = score_rows({"call_uid": "c", "tenant_id": "t", "model_id": "m"}, CARD, result, None)
    by_id = {r["criterion_id"]: r for r in rows}
    disclosure, greeting = by_id["recording_disclosure"], by_id["greeting"]
    assert (
        disclosure["evidence_decode"] == "primed" and disclosure["review_reason"] == "primed_only"
    )
    assert disclosure["unprimed_quote"] == "je vous ai dit madame"
    assert disclosure["evidence_quote"] == "Cet appel peut être enregistré."
    assert greeting["evidence_decode"] == "unprimed" and greeting["unprimed_quote"] is None


def test_what_the_unprimed_decode_heard_is_evidence_where_the_prompt_rewrote_it():
    """A prompt can rewrite speech it does not hold (tests/integration: "I would never say
    whatever" came out "My name is. What can I do for you."): what was heard still counts."""
    rewritten = said(
        "My name is Anna. What can I do for you?", heard="Look, whatever, not my problem"
    )
    r = verdicts([rewritten])["no_forbidden_words"]
    assert r.status == "not_met" and r.evidence_decode == "unprimed"
    assert r.evidence.text == "Look, whatever, not my problem"
    lost = said("Hello there.", heard="this call is recorded for training", start=2)
    r = verdicts([lost])["recording_disclosure"]
    assert r.met and r.evidence_decode == "unprimed"


# ------------------------------------------------------------- forbidden phrases need words


def forbidden(*segments, language="en", rules=NOW, **kw):
    return verdicts(list(segments), language=language, rules=rules, **kw)["no_forbidden_words"]


def test_a_sound_alike_is_flagged_not_judged():
    """Issue 26: "sur n'importe quel marché" heard "sur un importe qu'elle marchait" cost the
    agent the criterion as "n'importe quoi", unflagged."""
    heard = said("Sur un importe qu'elle marchait, c'est pareil.")
    r = forbidden(heard, language="fr")
    assert r.met and r.review_reason == "near_miss" and r.evidence == heard
    assert not forbidden(heard, language="fr", rules=BEFORE).met  # main: a hit, unflagged


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Sur n'importe quel marché, c'est pareil.", "fr"),
        ("Ce n'est pas un problème, je regarde.", "fr"),
        ("That is not a problem at all.", "en"),
        ("What ever happened here, I will look.", "en"),
        ("Débrouillons-nous pour trouver une solution.", "fr"),
    ],
)
def test_near_matches_are_never_a_hit(text, language):
    r = forbidden(said(text), language=language)
    assert r.met and r.review_reason in (None, "near_miss")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Écoutez, vous dites n'importe quoi.", "fr"),
        ("Écoutez, vous dites n’importe quoi.", "fr"),  # a typographic apostrophe
        ("Vous dites N'IMPORTE QUOI !", "fr"),
        ("Look, that's not my problem.", "en"),
        ("Ce n'est pas mon problème, madame.", "fr"),
        ("Whatever. Send an email.", "en"),
        ("Débrouillez-vous avec le manuel.", "fr"),
    ],
)
def test_the_words_said_are_found(text, language):
    r = forbidden(said(text), language=language)
    assert r.status == "not_met" and not r.needs_review and r.match_score >= FORBIDDEN_THRESHOLD


def test_the_forbidden_threshold_is_stricter_than_the_cards():
    assert CARD.match_threshold < FORBIDDEN_THRESHOLD


def test_a_forbidden_phrase_inside_other_words_is_not_a_hit():
    # "stupid" inside "stupidity", glued or split words: not the words of the phrase
    for text in ("The stupidity of the system, honestly.", "I was stupefied too."):
        r = forbidden(said(text))
        assert r.met, text


def test_the_customers_words_never_cost_the_agent():
    """Issue 26: "for whatever you have invested", said by the customer."""
    customer = said("For whatever you have invested, I want my money back.", speaker="customer")
    agent = said("Let me check your account.", start=5)
    r = forbidden(agent, customer)
    assert r.met and not r.needs_review
    # an unattributed (mono, undiarized) speaker may be the agent: found, but for a person
    unknown = said("Whatever you have invested.", speaker="unknown")
    r = forbidden(unknown)
    assert r.status == "not_met" and r.review_reason == "speaker_unknown"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I would never say whatever to a customer.", "en"),
        ("I did not say stupid, I said sturdy.", "en"),
        ("I don't say it's not my problem.", "en"),
        ("Je ne vous dirais jamais débrouillez-vous, madame.", "fr"),
        ("Le mot taisez-vous n'est pas correct.", "fr"),
    ],
)
def test_a_negated_or_quoted_use_goes_to_a_person(text, language):
    """The product's decision (docs/scorecards.md): the words were said, so the verdict stays
    "not met", but after a negation or a mention cue it is flagged for a person to judge."""
    r = forbidden(said(text), language=language)
    assert r.status == "not_met" and r.review_reason == "negated_or_quoted"


def test_a_plain_use_beside_a_negated_one_is_judged():
    negated = said("I would never say whatever.", start=1)
    plain = said("Whatever, send an email.", start=10)
    r = forbidden(negated, plain)
    assert r.status == "not_met" and r.evidence == plain and not r.needs_review


def test_an_insult_built_on_a_saying_verb_is_no_mention():
    # saying verbs are not cues: "vous dites n'importe quoi" is the insult itself
    r = forbidden(said("Vous dites n'importe quoi, le rendez-vous est demain."), language="fr")
    assert r.status == "not_met" and not r.needs_review


def test_a_forbidden_word_written_unsure_goes_to_a_person():
    """The scoring bench's held-out customer-first calls: an agent's "I was stupefied too, let me
    check" came out "I want stupid hype, let me check", "stupid" at 0.34, and cost the agent
    the criterion unflagged. Whole words written unsure are not proof."""
    heard = said("I want stupid hype, let me check.", probability=0.34)
    r = forbidden(heard)
    assert r.status == "not_met" and r.review_reason == "low_confidence" and r.needs_review
    assert r.evidence == heard
    # just below the bar: flagged; at it: judged
    assert forbidden(said("Stupid.", probability=FORBIDDEN_WORD_CONFIDENCE - 0.01)).needs_review
    sure = forbidden(said("Stupid.", probability=FORBIDDEN_WORD_CONFIDENCE))
    assert sure.status == "not_met" and not sure.needs_review
    # main and the rules before this one: a hit, unflagged
    assert not forbidden(heard, rules=BEFORE).needs_review


def test_a_sure_use_is_the_evidence_before_an_unsure_one():
    unsure = said("I want stupid hype, let me check.", start=1, probability=0.3)
    sure = said("That is a stupid question, send an email.", start=10, probability=0.99)
    r = forbidden(unsure, sure)
    assert r.status == "not_met" and r.evidence == sure and not r.needs_review


def test_a_forbidden_phrase_only_in_primed_text_is_not_proof():
    primed = said("Whatever, I cannot help.", heard="call me back on monday please")
    r = forbidden(primed)
    assert r.met and r.review_reason == "primed_only"


# ------------------------------------------------------------------- roles checked


def test_role_dependent_verdicts_go_to_a_person_when_the_role_signals_disagree():
    segments = [
        said("Hello.", start=0, speaker="agent"),
        said("Hello, my name is Steven, how can I help you?", start=2, speaker="customer"),
    ]
    card = parse_scorecard(
        {
            "id": "t", "version": "1", "name": "T", "pass_threshold": 50,
            "sections": [{"id": "s", "name": "S", "criteria": [
                {"id": "intro", "name": "I", "kind": "phrase_said", "weight": 1,
                 "phrases": {"en": ["my name is"]}},
                {"id": "anyone", "name": "A", "kind": "phrase_said", "speaker": "any",
                 "weight": 1, "phrases": {"en": ["hello"]}},
                {"id": "talk", "name": "T", "kind": "metric_threshold", "weight": 1,
                 "metric": "agent_talk_share", "min": 0.3},
                {"id": "silence", "name": "S", "kind": "metric_threshold", "weight": 1,
                 "metric": "longest_silence_s", "max": 10},
            ]}],
        }
    )  # fmt: skip
    metrics = {"agent_talk_share": 0.1, "longest_silence_s": 1.0}
    doubt = verdicts(segments, card=card, metrics=metrics, role_check="disagree")
    assert doubt["intro"].status == "not_met" and doubt["intro"].review_reason == "roles_uncertain"
    assert doubt["talk"].review_reason == "roles_uncertain"
    assert not doubt["anyone"].needs_review and not doubt["silence"].needs_review
    sure = verdicts(segments, card=card, metrics=metrics, role_check="agree")
    assert not any(r.needs_review for r in sure.values())
    off = verdicts(segments, card=card, metrics=metrics, role_check="disagree", rules=BEFORE)
    assert not any(r.needs_review for r in off.values())
