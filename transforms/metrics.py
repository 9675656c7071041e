"""Conversation metrics from segment timings (definitions documented on each field).

Talk time is the union of a speaker's segments, so Whisper's overlapping segment bounds are not
counted twice. Silence is call time in which neither speaker talks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import pairwise

Interval = tuple[float, float]


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
    #: seconds in which the agent (customer) speaks
    agent_talk_s: float
    customer_talk_s: float
    #: agent talk / (agent talk + customer talk); None when nobody speaks
    agent_talk_share: float | None
    customer_talk_share: float | None
    #: seconds of the call in which nobody speaks (leading and trailing silence included)
    silence_s: float
    silence_share: float | None
    #: longest gap with nobody speaking, between the first and the last word
    longest_silence_s: float
    #: seconds in which both speak at once
    overlap_s: float

    def as_row(self) -> dict[str, float | None]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def conversation_metrics(
    segments: Iterable[tuple[str, float, float]], duration_s: float
) -> CallMetrics:
    """``segments`` are (speaker, start_s, end_s); any speaker counts towards speech time."""
    by_speaker: dict[str, list[Interval]] = {}
    for speaker, start, end in segments:
        by_speaker.setdefault(speaker, []).append((max(0.0, start), min(duration_s, end)))
    agent = union(by_speaker.get("agent", []))
    customer = union(by_speaker.get("customer", []))
    anyone = union(iv for ivs in by_speaker.values() for iv in ivs)
    agent_s, customer_s, speech_s = total(agent), total(customer), total(anyone)
    talk = agent_s + customer_s
    gaps = [b[0] - a[1] for a, b in pairwise(anyone)]
    silence = max(0.0, duration_s - speech_s)
    return CallMetrics(
        duration_s=duration_s,
        agent_talk_s=agent_s,
        customer_talk_s=customer_s,
        agent_talk_share=agent_s / talk if talk > 0 else None,
        customer_talk_share=customer_s / talk if talk > 0 else None,
        silence_s=silence,
        silence_share=silence / duration_s if duration_s > 0 else None,
        longest_silence_s=max(gaps, default=0.0),
        overlap_s=total(intersection(agent, customer)),
    )
