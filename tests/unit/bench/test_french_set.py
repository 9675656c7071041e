"""The French evaluation set's generator: labels by construction, splits that do not leak.

A smoke test only: it draws the calls and checks them (no espeak-ng, no model); the set itself
is measured by bench/french_accuracy.py, outside ``make test``.
"""

import sys

import numpy as np
import pytest

from transforms.core.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))
sys.path.insert(0, str(REPO_ROOT / "samples"))
import french_set

SCRIPT = french_set.load_script()
CARD = french_set.load_card(SCRIPT)
CALLS = french_set.build_calls(SCRIPT, CARD)


def test_at_least_60_calls_half_dev_half_heldout_and_deterministic():
    assert len(CALLS) >= 60
    assert {c.split for c in CALLS} == {"dev", "heldout"}
    assert sum(c.split == "dev" for c in CALLS) == len(CALLS) // 2
    assert french_set.build_calls(SCRIPT, CARD) == CALLS
    assert any(c.channels == "mono" for c in CALLS) and any(c.channels == "stereo" for c in CALLS)
    assert {c.line.codec for c in CALLS} == {"pcm16k", "mulaw8k", "alaw8k"}


def test_heldout_voices_phrasings_and_tenants_never_appear_in_dev():
    def of(split, get):
        return {x for c in CALLS if c.split == split for x in get(c)}

    voices = lambda c: {c.agent_voice.variant, c.customer_voice.variant}  # noqa: E731
    said = lambda c: {p for p in c.said.values() if p}  # noqa: E731
    assert not of("dev", voices) & of("heldout", voices)
    assert not of("dev", said) & of("heldout", said)
    assert not of("dev", lambda c: {c.tenant}) & of("heldout", lambda c: {c.tenant})


def test_dev_more_is_more_dev_calls_mostly_mono_that_leave_dev_and_heldout_as_they_were():
    more = french_set.more_calls(SCRIPT, CARD)
    assert len(more) == 60 and {c.split for c in more} == {"dev-more"}
    assert sum(c.channels == "mono" for c in more) >= 0.7 * len(more)
    ids = [c.call_id for c in CALLS]
    assert [c.call_id for c in more] == [f"fr-dev-{n:03d}" for n in range(41, 101)]
    assert not set(ids) & {c.call_id for c in more}
    assert french_set.more_calls(SCRIPT, CARD) == more
    heldout = [c for c in CALLS if c.split == "heldout"]
    dev = [c for c in CALLS if c.split == "dev"]
    for get in (
        lambda c: {c.agent_voice.variant, c.customer_voice.variant},
        lambda c: {p for p in c.said.values() if p},
        lambda c: {c.tenant, c.agent_name},
    ):
        assert not {x for c in more for x in get(c)} & {x for c in heldout for x in get(c)}
    pools = french_set.voice_pools(SCRIPT)
    assert {c.agent_voice.variant for c in more} <= set(pools["dev"])
    assert {c.tenant for c in more} <= set(SCRIPT["tenants"]["dev"])
    assert {c.agent_name for c in more} <= set(SCRIPT["agents"]["dev"])
    assert dev and all(c.split == "dev" for c in dev)
    # the drawn calls and their derived ones are those of the two splits alone
    derived = french_set.customer_first_calls(SCRIPT, CALLS + more)
    assert [c for c in derived if c.split != "dev-more"] == french_set.customer_first_calls(
        SCRIPT, CALLS
    )


def test_every_label_is_both_met_and_not_met_somewhere():
    for criterion in CARD.criteria:
        labels = {c.labels[criterion.id] for c in CALLS}
        assert labels == {True, False}, criterion.id


def test_a_label_that_disagrees_with_the_script_is_refused():
    call = CALLS[0]
    flipped = {**call.labels, "enregistrement": not call.labels["enregistrement"]}
    broken = french_set.Call(**{**call.__dict__, "labels": flipped})
    with pytest.raises(french_set.SetError, match="enregistrement"):
        french_set.check(broken, CARD)


@pytest.mark.parametrize("codec", ["mulaw8k", "alaw8k"])
def test_g711_round_trip_keeps_the_signal(codec):
    t = np.linspace(0, 1, 8000, endpoint=False)
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    back = french_set.g711(tone, codec)
    snr = 10 * np.log10(np.mean(tone**2) / np.mean((tone - back) ** 2))
    assert snr > 25  # 8-bit companding: about 38 dB on a loud tone


def test_the_telephone_line_runs_at_16_khz_with_the_speed_change():
    rate = SCRIPT["speech"]["rate_hz"]
    speech = 0.3 * np.sin(2 * np.pi * 300 * np.arange(rate) / rate)
    line = french_set.Line("mulaw8k", 15.0, 1.1)
    out = french_set.telephone(speech, rate, line, np.random.default_rng(0))
    assert abs(len(out) - french_set.RATE_HZ / 1.1) < 50
    assert np.max(np.abs(out)) <= 1.0
