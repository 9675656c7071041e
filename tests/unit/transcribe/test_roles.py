"""Roles on mono calls, checked (issue 26): the first-speaker rule is one signal among others,
and the roles are ``agree`` only when the signals confirm them."""

from __future__ import annotations

import pytest

from transforms.core.scorecards import load_scorecard
from transforms.core.settings import REPO_ROOT
from transforms.core.tenants import Tenant
from transforms.transcribe.roles import (
    OPENING_LOST_S,
    SEPARATION_MIN,
    HeardAudio,
    RoleHints,
    VoiceSummary,
    agent_phrases,
    decide_roles,
)

CARD = load_scorecard(REPO_ROOT / "config" / "scorecards" / "standard-v1.yaml")
TENANT = Tenant("acme", "ACME Telecom (demo)", ("fr", "en"), "standard")
HINTS = RoleHints.for_tenant(TENANT, CARD)
#: The agent of issue 26's call, and a customer who answered the phone first.
AGENT = (
    "Hello, my name is Steven, this call may be recorded. How can I help you? "
    "Could you give me your account number? If I understand correctly, you were charged twice."
)
CUSTOMER = "Hello. Yes, I was charged twice for October. It is oh seven seven double oh."


def voice(text: str, talk_s: float, opening: str | None = None) -> VoiceSummary:
    return VoiceSummary(opening=opening if opening is not None else text, heard=text, talk_s=talk_s)


def test_the_card_phrases_are_the_agents_without_courtesy_formulas():
    phrases = agent_phrases(CARD)
    assert "my name is" in phrases and "this call is recorded" in phrases
    assert "hello" not in phrases and "have a nice day" not in phrases  # customers say them too


def test_a_customer_who_says_hello_first_does_not_become_the_agent():
    """Issue 26: the customer's "Hello." opened the call; the agent did not name the company."""
    voices = [voice(CUSTOMER, 9.0), voice(AGENT, 22.0)]
    # the customer spoke first, and at length too: the rule points at them
    d = decide_roles(voices, first_speaker=0, first_at_length=0, hints=HINTS)
    assert d.agent == 1 and d.check == "disagree"
    assert d.signals["card_phrases"] == 1 and d.signals["rule"] == 0
    assert d.rule_agent == 0  # the rule before issue 26 gave the customer the agent's role


def test_a_short_hello_on_picking_up_is_not_the_opening():
    voices = [voice("Hello?", 0.6), voice(AGENT, 22.0)]
    d = decide_roles(voices, first_speaker=0, first_at_length=1, hints=HINTS)
    assert d.agent == 1 and d.signals["rule"] == 1


def test_signals_that_all_point_at_the_agent_agree():
    voices = [voice(AGENT, 22.0), voice(CUSTOMER, 9.0)]
    d = decide_roles(voices, first_speaker=0, first_at_length=0, hints=HINTS)
    assert d.agent == 0 and d.check == "agree"


def test_the_rule_alone_is_not_a_check():
    """Nothing but who spoke first says who the agent is: unconfirmed, so flagged."""
    voices = [voice("Yes indeed, that works.", 5.0), voice("Sure, no worries then.", 5.0)]
    d = decide_roles(voices, first_speaker=1, first_at_length=1, hints=HINTS)
    assert d.agent == 1 and d.check == "disagree"


def test_a_call_diarization_gave_one_voice_is_never_agreed():
    voices = [voice(AGENT + " " + CUSTOMER, 30.0), voice("", 0.0)]
    d = decide_roles(voices, first_speaker=0, first_at_length=0, hints=HINTS)
    assert d.check == "disagree"


def test_one_phrase_or_one_question_of_a_customer_is_no_vote():
    """A customer introduces themself ("je m'appelle Marie") or asks one question."""
    customer = voice("Bonjour, je m'appelle Marie, c'est possible ?", 4.0)
    agent = voice("Oui, d'accord, je regarde votre dossier tout de suite madame.", 4.0)
    d = decide_roles([customer, agent], first_speaker=0, first_at_length=0, hints=HINTS)
    assert d.signals["card_phrases"] is None and d.signals["questions"] is None


def test_the_company_name_greets_as_before():
    opening = "Bonjour, Acme Télécom, je m'appelle Julien."
    voices = [voice("Oui bonjour.", 3.0), voice("garbled words here", 3.0, opening=opening)]
    d = decide_roles(voices, first_speaker=0, first_at_length=0, hints=HINTS)
    assert d.agent == 1 and d.rule_agent == 1 and d.signals["greeting"] == 1


@pytest.mark.parametrize("fallback", ["first_speaker", "second_speaker"])
def test_the_tenants_rule_is_the_rule_signal(fallback):
    hints = RoleHints(phrases=HINTS.phrases, fallback=fallback)
    voices = [voice("Well, okay.", 5.0), voice("Right, fine.", 5.0)]
    d = decide_roles(voices, first_speaker=0, first_at_length=0, hints=hints)
    assert d.agent == (0 if fallback == "first_speaker" else 1)


# ------------------------------------------- what the audio says, whatever Whisper wrote
#: A mono call whose voices diarization told well apart, its opening transcribed.
HEARD = HeardAudio(first_speech_s=0.6, first_word_s=0.3, separation=0.7)
#: Garbled words Whisper writes over speech it cannot read (fr-dev-071's agent).
GARBLED = "C'est le cas de son nom, trois sortes vote."


def test_an_opening_whisper_did_not_transcribe_is_no_first_speaker():
    """fr-dev-071 (dev-more): the agent's opening came out as nothing, the customer's request
    was the first thing written, and the rule made the customer the agent. The rule does not
    vote when the first word comes ``OPENING_LOST_S`` after the first speech."""
    lost = HeardAudio(first_speech_s=0.6, first_word_s=0.6 + OPENING_LOST_S + 3.0, separation=0.7)
    agent = VoiceSummary(opening=GARBLED, heard=GARBLED, talk_s=7.0, speech_s=15.8)
    customer = VoiceSummary(
        opening="Je n'ai toujours pas reçu le remboursement.", heard="Alors.", talk_s=5.9,
        speech_s=8.0,
    )  # fmt: skip
    d = decide_roles([agent, customer], 1, 1, HINTS, audio=lost)
    assert d.signals["rule"] is None
    # right (who talks more, from the audio) but one structural signal is no check
    assert d.agent == 0 and d.check == "disagree"
    heard = decide_roles([agent, customer], 1, 1, HINTS, audio=HEARD)
    assert heard.signals["rule"] == 1  # the same call with its opening heard: the rule votes


def test_who_talks_more_is_read_from_the_audio_not_the_transcript():
    """Whisper wrote a fifth of the agent's speech: the transcript makes the customer the talker,
    the audio does not."""
    agent = VoiceSummary(opening=AGENT, heard=AGENT, talk_s=3.0, speech_s=20.0)
    customer = VoiceSummary(opening=CUSTOMER, heard=CUSTOMER, talk_s=9.0, speech_s=9.5)
    d = decide_roles([agent, customer], 0, 0, HINTS, audio=HEARD)
    assert d.signals["talk_share"] == 0 and d.stats["transcribed_share"][1] > 0.55


def test_signals_that_agree_on_voices_diarization_mixed_are_flagged():
    """fr-dev-074 (dev-more): diarization cut the agent's opening between both labels; the
    greeting and the rule agreed on a voice that held a third of the customer's speech too."""
    voices = [voice(AGENT, 22.0), voice(CUSTOMER, 9.0)]
    mixed = HeardAudio(first_speech_s=0.6, first_word_s=0.3, separation=SEPARATION_MIN - 0.02)
    assert decide_roles(voices, 0, 0, HINTS, audio=HEARD).check == "agree"
    assert decide_roles(voices, 0, 0, HINTS, audio=mixed).check == "disagree"


def test_one_weak_signal_alone_is_no_check():
    """Only who talks more votes (no opening heard, nothing said that marks the agent)."""
    lost = HeardAudio(first_speech_s=0.5, first_word_s=5.0, separation=0.7)
    voices = [
        VoiceSummary("Oui, d'accord.", "Oui, d'accord.", 6.0, speech_s=14.0),
        VoiceSummary("Très bien.", "Très bien.", 4.0, speech_s=6.0),
    ]
    d = decide_roles(voices, 1, 1, HINTS, audio=lost)
    assert d.signals["talk_share"] == 0 and d.check == "disagree"
