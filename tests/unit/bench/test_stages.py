"""bench/stages.py counts each stage's own time: a stage inside another is taken out of it."""

from __future__ import annotations

import pytest

from bench import stages


@pytest.fixture
def clock(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(stages.time, "perf_counter", lambda: now[0])
    return stages.StageClock(), now


def test_inner_stages_are_taken_out_of_the_outer_one(clock):
    c, now = clock

    def inner():
        now[0] += 2.0

    timed_inner = c.wrap("decoder", inner)

    def outer():
        now[0] += 1.0
        timed_inner()
        timed_inner()
        now[0] += 0.5

    c.wrap("other (worker)", outer)()
    assert c.seconds == {"decoder": 4.0, "other (worker)": 1.5}
    assert c.calls == {"decoder": 2, "other (worker)": 1}
    assert sum(c.seconds.values()) == now[0]  # the stages add up to the wrapped time


def test_the_primed_decode_is_counted_apart(clock):
    c, now = clock
    encode = c.wrap("encoder", lambda: now.__setitem__(0, now[0] + 1.0))
    c.wrap("VAD", lambda: now.__setitem__(0, now[0] + 3.0))()
    encode()
    c.priming(encode)()
    c.priming(c.wrap("VAD", lambda: now.__setitem__(0, now[0] + 3.0)))()
    # only the encoder, decoder and alignment have a primed row; the flag ends with the call
    assert c.seconds == {"VAD": 6.0, "encoder": 1.0, "primed encoder": 1.0}
    assert not c.primed


def test_a_stage_that_raises_is_still_counted(clock):
    c, now = clock

    def fails():
        now[0] += 1.0
        raise ValueError("bad audio")

    with pytest.raises(ValueError):
        c.wrap("decode audio", fails)()
    assert c.seconds["decode audio"] == 1.0
