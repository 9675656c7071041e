"""Roles on mono calls, checked (issue 26): the first-speaker rule is one signal among others,
and the roles are ``agree`` only when the signals confirm them."""

from __future__ import annotations

import pytest

from transforms.core.scorecards import load_scorecard
from transforms.core.settings import REPO_ROOT
from transforms.core.tenants import Tenant
from transforms.transcribe.roles import RoleHints, VoiceSummary, agent_phrases, decide_roles

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
