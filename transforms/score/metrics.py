"""Conversation metrics from segment timings; each field documents its definition.

Talk time is the union of a speaker's segments, so Whisper's overlapping segment bounds are not
counted twice. Silence is call time in which nobody talks. Speakers are ``agent``, ``customer`` or
``unknown`` (mono audio before diarization): agent-specific metrics are None when the call has no
agent-labelled speech, rather than a misleading 0. Nothing here infers emotion or any other state
of the agent (EU AI Act art. 5(1)(f)); these are timings and word counts only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import pairwise

Interval = tuple[float, float]

#: A gap of at least this long, with nobody speaking, is dead air (industry habit: 3 s).
DEAD_AIR_MIN_S = 3.0
#: A gap of at least this long is a hold (customer parked while the agent checks something).
LONG_HOLD_MIN_S = 30.0
#: An agent turn starting at least this long after the customer's began, while the customer is
#: still talking, is an interruption; shorter overlaps are back-channel ("mm", "yes").
INTERRUPTION_MIN_S = 0.5


def union(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted((s, e) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def total(intervals: Iterable[Interval]) -> float:
    return sum(e - s for s, e in intervals)


def intersection(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Intersection of two already-merged interval lists (two-pointer sweep)."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


@dataclass(frozen=True)
class CallMetrics:
    duration_s: float
    #: seconds in which the agent (customer, unattributed speaker) speaks
    agent_talk_s: float
    customer_talk_s: float
    unknown_talk_s: float
    #: speaker talk / (agent + customer + unknown talk); None when nobody speaks
    agent_talk_share: float | None
    customer_talk_share: float | None
    #: seconds of the call in which nobody speaks (leading and trailing silence included)
    silence_s: float
    silence_share: float | None
    #: longest gap with nobody speaking, between the first and the last word
    longest_silence_s: float
    #: gaps of DEAD_AIR_MIN_S or more between the first and last word: count and total seconds
    dead_air_count: int
    dead_air_s: float
    #: stretches where agent and customer speak at once: seconds (overlap_s) and count
    overlap_s: float
    overtalk_count: int
    #: agent turns starting INTERRUPTION_MIN_S or more into a customer turn still in progress
    agent_interruptions: int | None
    #: agent words per minute of agent talk time
    agent_words_per_minute: float | None
    #: start of the first agent segment, from the start of the recording
    time_to_first_agent_word_s: float | None
    #: gaps of LONG_HOLD_MIN_S or more: count and total seconds
    long_hold_count: int
    long_hold_s: float

    def as_row(self) -> dict[str, float | int | None]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def conversation_metrics(
    segments: Iterable[tuple[str, float, float] | tuple[str, float, float, str]],
    duration_s: float,
) -> CallMetrics:
    """``segments`` are (speaker, start_s, end_s[, text]); text feeds the agent's speech rate."""
    by_speaker: dict[str, list[Interval]] = {}
    agent_words = 0
    agent_starts: list[float] = []
    for seg in segments:
        speaker, start, end = seg[0], seg[1], seg[2]
        by_speaker.setdefault(speaker, []).append((max(0.0, start), min(duration_s, end)))
        if speaker == "agent":
            agent_starts.append(start)
            if len(seg) > 3:
                agent_words += len(str(seg[3]).split())  # type: ignore[misc]
    agent = union(by_speaker.get("agent", []))
    customer = union(by_speaker.get("customer", []))
    unknown = union(by_speaker.get("unknown", []))
    anyone = union(iv for ivs in by_speaker.values() for iv in ivs)
    agent_s, customer_s, unknown_s = total(agent), total(customer), total(unknown)
    talk = agent_s + customer_s + unknown_s
    gaps = [b[0] - a[1] for a, b in pairwise(anyone)]
    dead = [g for g in gaps if g >= DEAD_AIR_MIN_S]
    holds = [g for g in gaps if g >= LONG_HOLD_MIN_S]
    overtalk = intersection(agent, customer)
    silence = max(0.0, duration_s - total(anyone))
    has_agent = bool(agent)
    interruptions = sum(
        1 for s in agent_starts if any(c0 + INTERRUPTION_MIN_S <= s < c1 for c0, c1 in customer)
    )
    return CallMetrics(
        duration_s=duration_s,
        agent_talk_s=agent_s,
        customer_talk_s=customer_s,
        unknown_talk_s=unknown_s,
        agent_talk_share=agent_s / talk if talk > 0 else None,
        customer_talk_share=customer_s / talk if talk > 0 else None,
        silence_s=silence,
        silence_share=silence / duration_s if duration_s > 0 else None,
        longest_silence_s=max(gaps, default=0.0),
        dead_air_count=len(dead),
        dead_air_s=sum(dead),
        overlap_s=total(overtalk),
        overtalk_count=len(overtalk),
        agent_interruptions=interruptions if has_agent else None,
        agent_words_per_minute=(
            agent_words / (agent_s / 60.0) if has_agent and agent_s > 0 and agent_words else None
        ),
        time_to_first_agent_word_s=min(agent_starts) if has_agent else None,
        long_hold_count=len(holds),
        long_hold_s=sum(holds),
    )
