import pytest

from transforms.score.metrics import conversation_metrics, intersection, union


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


def test_dead_air_holds_overtalk_interruptions_and_speech_rate():
    # agent 1-5 (10 words), customer 4-10, agent 6-7 (interrupts 2 s into the customer turn),
    # silence 10-14 (4 s dead air), agent 14-16, silence 16-50 (34 s hold), customer 50-52.
    segments = [
        ("agent", 1, 5, "one two three four five six seven eight nine ten"),
        ("customer", 4, 10, "words"),
        ("agent", 6, 7, "sorry"),
        ("agent", 14, 16, "are you still there"),
        ("customer", 50, 52, "yes"),
    ]
    m = conversation_metrics(segments, duration_s=55)
    assert m.time_to_first_agent_word_s == 1
    assert m.overtalk_count == 2 and m.overlap_s == pytest.approx(2.0)  # 4-5 and 6-7
    assert m.agent_interruptions == 1  # 6 s, 2 s into the customer's 4-10 turn; 4 s is not
    assert m.dead_air_count == 2 and m.dead_air_s == pytest.approx(4 + 34)
    assert m.long_hold_count == 1 and m.long_hold_s == pytest.approx(34)
    assert m.longest_silence_s == pytest.approx(34)
    # 15 agent words over 7 s of agent talk (1-5, 6-7, 14-16)
    assert m.agent_words_per_minute == pytest.approx(15 / (7 / 60))


def test_mono_calls_have_no_agent_specific_metrics():
    m = conversation_metrics([("unknown", 0, 10, "hello there"), ("unknown", 12, 20)], 20)
    assert m.unknown_talk_s == 18 and m.agent_talk_share == 0.0
    assert m.agent_interruptions is None and m.agent_words_per_minute is None
    assert m.time_to_first_agent_word_s is None and m.overtalk_count == 0
