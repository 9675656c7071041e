import pytest

from transforms.metrics import conversation_metrics, intersection, union


def test_union_merges_overlapping_and_touching_intervals():
    assert union([(5, 6), (0, 2), (1, 3), (3, 4)]) == [(0, 4), (5, 6)]


def test_intersection_of_merged_lists():
    assert intersection([(0, 4), (6, 9)], [(3, 7), (8, 10)]) == [(3, 4), (6, 7), (8, 9)]


def test_conversation_metrics_worked_example():
    # agent 0-4 and 6-8 (6 s), customer 3.5-5 (1.5 s) → overlap 0.5 s,
    # speech union 0-5, 6-8 → 7 s of 10; silence 3 s (gap 5-6 and tail 8-10); longest gap 1 s.
    segments = [("agent", 0, 4), ("agent", 6, 8), ("customer", 3.5, 5)]
    m = conversation_metrics(segments, duration_s=10)
    assert m.agent_talk_s == pytest.approx(6)
    assert m.customer_talk_s == pytest.approx(1.5)
    assert m.agent_talk_share == pytest.approx(6 / 7.5)
    assert m.overlap_s == pytest.approx(0.5)
    assert m.silence_s == pytest.approx(3)
    assert m.silence_share == pytest.approx(0.3)
    assert m.longest_silence_s == pytest.approx(1)


def test_no_speech_gives_no_shares():
    m = conversation_metrics([], duration_s=12)
    assert m.agent_talk_share is None and m.silence_s == 12 and m.longest_silence_s == 0
