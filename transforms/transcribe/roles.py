"""Who is the agent on a call whose audio does not say it, and whether the evidence for it agrees.

Used when the audio does not say who speaks (mono, fake stereo, stereo with no declared layout).
The tenant's rule alone (the voice that greets with the company's name, else the first speaker)
swapped the roles of a real mono call whose customer opened with "Hello." (issue 26). So each of
these signals votes for one of the two voices, or for neither:

- ``greeting`` (weight 2): who greets with the company's name or the tenant's greeting phrases, in
  their opening words as written (the company name is in the prompt: Whisper writes it where it
  was said but garbled, as the tenant's rule always read it);
- ``card_phrases`` (weight 2): who says more of the card's agent phrasings, ``PHRASE_MARGIN`` or
  more apart; only criteria without a time window (introduction, disclosure, the needs
  question…): greetings and closings are courtesy both parties say ("Hello.", "Au revoir");
- ``questions`` (weight 1): who asks more questions (Whisper writes a question mark),
  ``QUESTION_MARGIN`` or more apart;
- ``talk_share`` (weight 1): who talks more, when one voice holds ``TALK_SHARE_MIN`` of the talk;
  on a mono call as diarization heard the audio, not as Whisper transcribed it;
- ``rule`` (weight 1): the tenant's ``agent_rule``: the first voice to speak at length (a turn of
  ``OPENING_MIN_S`` or more: a customer's "Allô ?" or "Hello?" on picking up is not an opening),
  or the second. It does not vote when the transcript starts ``OPENING_LOST_S`` after the audio's
  first speech: the opening was not transcribed, so its first voice is not the call's.

The agent is the voice with the larger sum of weights; a tie goes to the greeting, else the rule.
Every signal but the greeting reads what the *unprimed* decode heard: a prompt holds the card's
phrasings and can write them over the customer's speech. ``role_check`` is ``agree`` when every
signal that votes points at that voice, at least one besides the rule does, the agent's votes
outweigh the other's by ``AGREE_MARGIN`` (one weak signal alone is no check), each voice holds
``VOICE_SHARE_MIN`` of the transcribed talk, and (mono) diarization's two clusters are apart
(``SEPARATION_MIN``: mixed clusters give each role part of the other's speech, whichever voice is
called the agent); otherwise ``disagree``, and the call's role-dependent verdicts go to a person
(``transforms.score.scoring``). The weights, margins and thresholds were chosen on the dev splits
of the two verdict benchmarks, the last three on the French set's ``dev-more`` split (docs/
scorecards.md, "Roles on mono calls").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from transforms.core.scorecards import Scorecard
from transforms.core.text import normalise
from transforms.transcribe.biasing import company_name

#: Only the opening counts: an agent greets within the first seconds of their speech.
OPENING_WORDS = 25
#: rapidfuzz partial ratio for a phrase to count as said (tolerates one ASR slip).
MATCH_MIN = 85
FALLBACK_RULES = ("first_speaker", "second_speaker")
#: A voice's first turn must last this long to open the call (the ``rule`` signal).
OPENING_MIN_S = 1.5
#: ``card_phrases`` and ``questions`` vote only when the two voices' counts differ by this much:
#: a customer may say one of the agent's phrasings ("je m'appelle Marie") or ask one question.
PHRASE_MARGIN = 2
QUESTION_MARGIN = 2
#: ``talk_share`` votes only when one voice holds at least this share of the talk time.
TALK_SHARE_MIN = 0.55
#: Below this share of the talk a voice is missing: diarization did not tell the two apart.
VOICE_SHARE_MIN = 0.1
WEIGHTS = {"greeting": 2.0, "card_phrases": 2.0, "questions": 1.0, "talk_share": 1.0, "rule": 1.0}
#: ``agree`` needs the agent's votes to outweigh the other voice's by this much: a weight-2
#: signal, or two signals. One structural signal alone (who talks more) is no check.
AGREE_MARGIN = 2.0
#: The opening was not transcribed when the first word Whisper wrote starts this long after the
#: first speech the VAD found (on dev the openings heard start within 0.4 s; the two lost, 4 and
#: 6 s later): then the first voice in the transcript is not the first in the call, and the
#: ``rule`` does not vote. On fr-dev-071 the agent's opening came out as nothing and the rule
#: made the customer the agent.
OPENING_LOST_S = 2.0
#: Below this mean diarization confidence (``Diarization.separation``) the two voices' clusters
#: are mixed: whichever voice is called the agent, part of each role's speech is the other's.
SEPARATION_MIN = 0.575
#: ``role_check`` values (silver.transcripts): the channels said who speaks, or the signals
#: agreed, or they did not.
ROLE_CHECKS = ("channel", "agree", "disagree")


@dataclass(frozen=True)
class RoleHints:
    """Per tenant: its company name, greeting phrases and the rule when no one greets; per
    card, the agent's phrasings (``card_phrases``)."""

    company: str = ""
    greetings: tuple[str, ...] = ()
    fallback: str = "first_speaker"
    #: The agent's ``phrase_said`` phrasings without a time window, on the card scoring the call.
    phrases: tuple[str, ...] = ()

    @classmethod
    def for_tenant(cls, tenant: object | None, card: Scorecard | None = None) -> RoleHints:
        phrases = agent_phrases(card) if card is not None else ()
        if tenant is None:
            return cls(phrases=phrases)
        name = company_name(getattr(tenant, "display_name", ""))
        return cls(
            company=name,
            greetings=tuple(getattr(tenant, "greeting_phrases", ()) or ()),
            fallback=getattr(tenant, "agent_rule", "first_speaker") or "first_speaker",
            phrases=phrases,
        )


def agent_phrases(card: Scorecard) -> tuple[str, ...]:
    """Every language's phrasings of the card's ``phrase_said`` criteria of the agent that have
    no time window (a greeting or a closing is courtesy the customer says too)."""
    seen: dict[str, None] = {}
    for c in card.criteria:
        if c.kind == "phrase_said" and c.speaker == "agent" and not (c.first_s or c.last_s):
            for phrasings in c.phrases.values():
                seen.update(dict.fromkeys(phrasings))
    return tuple(seen)


@dataclass(frozen=True)
class VoiceSummary:
    """One voice of a call: its opening as written, what the unprimed decode heard it say, how
    long it talked in the transcript, and (mono calls) how long diarization heard it speak."""

    opening: str
    heard: str
    talk_s: float
    #: seconds of the audio's speech diarization gave this voice (None: not diarized)
    speech_s: float | None = None


@dataclass(frozen=True)
class HeardAudio:
    """What the audio says whatever Whisper wrote (a diarized mono call): when speech starts,
    when the transcript's first word does, and how well diarization told the voices apart."""

    first_speech_s: float
    first_word_s: float
    separation: float

    @property
    def opening_heard(self) -> bool:
        return self.first_word_s - self.first_speech_s <= OPENING_LOST_S


@dataclass(frozen=True)
class RoleDecision:
    #: index of the agent's voice (0/1)
    agent: int
    #: ``agree`` | ``disagree``
    check: str
    #: each signal's vote (a voice index, or None when it does not vote)
    signals: dict[str, int | None]
    #: what the votes were counted from, per voice (the audio's figures: one per call)
    stats: dict[str, tuple[float, ...]]
    #: the agent the tenant's rule gave before issue 26: greeting, else the first speaker (or the
    #: second), with no check (benchmarks compare against it)
    rule_agent: int


def greeting_score(opening: str, hints: RoleHints) -> float:
    """How strongly an opening sounds like the tenant's agent (0 = not at all)."""
    text = normalise(" ".join(opening.split()[:OPENING_WORDS]))
    score = 0.0
    phrases = [hints.company, *hints.greetings] if hints.company else list(hints.greetings)
    for phrase in phrases:
        p = normalise(phrase)
        if p and fuzz.partial_ratio(p, text) >= MATCH_MIN:
            score += 2.0 if phrase == hints.company else 1.0
    return score


def agent_of(openings: list[str], first_speaker: int, hints: RoleHints) -> tuple[int, str]:
    """(index of the agent among two voices, how it was decided: ``greeting`` | the rule): the
    tenant's rule alone."""
    scores = [greeting_score(o, hints) for o in openings]
    if len(scores) == 2 and scores[0] != scores[1]:
        return (0 if scores[0] > scores[1] else 1), "greeting"
    if hints.fallback == "second_speaker":
        return 1 - first_speaker, hints.fallback
    return first_speaker, "first_speaker"


def phrases_said(text: str, phrases: Sequence[str]) -> int:
    """How many of ``phrases`` are in ``text`` (normalised, one ASR slip tolerated)."""
    norm = normalise(text)
    if not norm:
        return 0
    wanted = {normalise(p) for p in phrases}
    return sum(1 for p in wanted if p and fuzz.partial_ratio(p, norm) >= MATCH_MIN)


def _vote(a: float, b: float, margin: float = 0.0) -> int | None:
    """The voice with the larger count, when they differ by more than ``margin``."""
    if a == b or abs(a - b) < max(margin, 1e-9):
        return None
    return 0 if a > b else 1


def _shares(seconds: Sequence[float]) -> list[float]:
    total = float(sum(seconds))
    return [float(s) / total if total > 0 else 0.5 for s in seconds]


def decide_roles(
    voices: Sequence[VoiceSummary],
    first_speaker: int,
    first_at_length: int,
    hints: RoleHints,
    audio: HeardAudio | None = None,
) -> RoleDecision:
    """Which of two voices is the agent, and whether the signals agree (module docstring).

    ``first_speaker`` is the voice that spoke first (the rule before issue 26),
    ``first_at_length`` the first whose turn lasted ``OPENING_MIN_S``; ``audio`` what
    diarization heard of a mono call.
    """
    rule_agent, _ = agent_of([v.opening for v in voices], first_speaker, hints)
    greetings = [greeting_score(v.opening, hints) for v in voices]
    said = [float(phrases_said(v.heard, hints.phrases)) for v in voices]
    questions = [float(v.heard.count("?")) for v in voices]
    shares = _shares([v.talk_s for v in voices])
    # Who talks more is read from the audio where diarization measured it: Whisper can drop
    # a voice it cannot read, and the transcript then makes the other voice the talker.
    spoken = [v.speech_s for v in voices]
    talk = _shares([s for s in spoken if s is not None]) if None not in spoken else shares
    rule = 1 - first_at_length if hints.fallback == "second_speaker" else first_at_length
    heard_opening = audio is None or audio.opening_heard
    signals: dict[str, int | None] = {
        "greeting": _vote(*greetings),
        "card_phrases": _vote(*said, margin=PHRASE_MARGIN),
        "questions": _vote(*questions, margin=QUESTION_MARGIN),
        "talk_share": _vote(*talk) if max(talk) >= TALK_SHARE_MIN else None,
        "rule": rule if heard_opening else None,
    }
    score = [0.0, 0.0]
    for name, voice in signals.items():
        if voice is not None:
            score[voice] += WEIGHTS[name]
    if score[0] != score[1]:
        agent = 0 if score[0] > score[1] else 1
    else:
        agent = signals["greeting"] if signals["greeting"] is not None else rule
    votes = {name: voice for name, voice in signals.items() if voice is not None}
    confirmed = any(voice == agent for name, voice in votes.items() if name != "rule")
    margin = score[agent] - score[1 - agent]
    agree = all(voice == agent for voice in votes.values()) and confirmed
    agree = agree and margin >= AGREE_MARGIN
    apart = min(shares) >= VOICE_SHARE_MIN
    if audio is not None:
        apart = apart and audio.separation >= SEPARATION_MIN
    stats: dict[str, tuple[float, ...]] = {
        "greeting": (greetings[0], greetings[1]),
        "card_phrases": (said[0], said[1]),
        "questions": (questions[0], questions[1]),
        "talk_share": (round(talk[0], 3), round(talk[1], 3)),
        "transcribed_share": (round(shares[0], 3), round(shares[1], 3)),
    }
    if audio is not None:
        stats["opening_late_s"] = (round(float(audio.first_word_s - audio.first_speech_s), 2),)
        stats["separation"] = (round(float(audio.separation), 3),)
    return RoleDecision(
        agent, "agree" if agree and apart else "disagree", signals, stats, rule_agent
    )
