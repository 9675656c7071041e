"""What is decoded primed and what unprimed, and both texts kept (issue 26), without the model:
the engine's data flow from decoded chunks to segments, and the roles read from unprimed text."""

from __future__ import annotations

from types import SimpleNamespace

from transforms.transcribe import engine
from transforms.transcribe.engine import (
    Transcriber,
    _chunks,
    _pieces,
    _roles,
    _segment,
)
from transforms.transcribe.roles import RoleHints


class Clock:
    """A VAD time map that keeps times as they are (one chunk from 0 s)."""

    def get_chunk_index(self, t: float) -> int:
        return 0

    def get_original_time(self, t: float, index: int) -> float:
        return t


def sub(*words: tuple[str, float, float], p: float = 0.9) -> dict:
    """One decoded sub-segment as faster-whisper gives it."""
    return {
        "text": "".join(w for w, _, _ in words),
        "words": [{"word": w, "start": s, "end": e, "probability": p} for w, s, e in words],
        "avg_logprob": -0.3,
        "no_speech_prob": 0.01,
    }


PRIMED = sub((" This", 1.0, 1.2), (" call", 1.2, 1.5), (" is", 1.5, 1.6), (" recorded.", 1.6, 2.2))
HEARD = sub(
    (" Miss", 1.0, 1.3), (" Paul", 1.3, 1.6), (" is", 1.6, 1.7), (" ready.", 1.7, 2.2), p=0.3
)
LATER = sub((" How", 5.0, 5.2), (" can", 5.2, 5.4), (" I", 5.4, 5.5), (" help?", 5.5, 5.9))
HEARD_LATER = sub((" Now", 5.0, 5.3), (" come", 5.3, 5.5), (" help.", 5.5, 5.9), p=0.3)


def stereo_locate(source: int, start: float, end: float) -> tuple[int, None]:
    return source, None


def test_a_primed_chunk_keeps_what_the_unprimed_decode_heard():
    chunks = _chunks([0], [0], [Clock()], {0: [PRIMED]}, {0: [HEARD]})
    (piece,) = _pieces(chunks, stereo_locate)
    seg = _segment(piece, "agent", stereo=True)
    assert seg.primed and seg.text == "This call is recorded."
    assert seg.unprimed_text == "Miss Paul is ready."
    assert [w.start_s for w in seg.unprimed_words] == [1.0, 1.3, 1.6, 1.7]


def test_an_unprimed_chunk_is_its_own_unprimed_text():
    chunks = _chunks([0], [0], [Clock()], {0: [HEARD]}, {})
    (piece,) = _pieces(chunks, stereo_locate)
    seg = _segment(piece, "agent", stereo=True)
    assert not seg.primed and seg.unprimed_words == () and seg.unprimed_text == seg.text


def test_every_unprimed_word_goes_to_the_piece_it_was_heard_in_none_dropped():
    """A pause splits the primed chunk in two pieces: each keeps the unprimed words of its own
    stretch of audio."""
    chunks = _chunks([0], [0], [Clock()], {0: [PRIMED, LATER]}, {0: [HEARD, HEARD_LATER]})
    first, second = _pieces(chunks, stereo_locate)
    assert [w.word for w in first.unprimed] == [" Miss", " Paul", " is", " ready."]
    assert [w.word for w in second.unprimed] == [" Now", " come", " help."]


def test_on_a_mono_call_the_unprimed_words_go_to_the_same_voice():
    voices = {1.0: 0, 5.0: 1}

    def locate(source: int, start: float, end: float) -> tuple[int, float]:
        return (0 if start < 4 else 1), 0.9

    chunks = _chunks([0], [0], [Clock()], {0: [PRIMED, LATER]}, {0: [HEARD, HEARD_LATER]})
    pieces = _pieces(chunks, locate)
    assert [p.source for p in pieces] == list(voices.values())
    assert all(w.start_s >= 5.0 for w in pieces[1].unprimed)
    assert all(w.start_s < 4.0 for w in pieces[0].unprimed)


def test_the_primed_text_replaces_the_plain_one_unless_cut_and_the_plain_is_kept():
    model = object.__new__(Transcriber)
    work = SimpleNamespace(metadata=[{"duration": 1.5}, {"duration": 10.0}])
    cut = sub((" Hello.", 0.0, 0.5))  # one word for 10 s of speech: the prompt cut it short
    model._decode = lambda indices, work, options: {0: [PRIMED], 1: [cut]}  # type: ignore
    outputs = {0: [HEARD], 1: [sub(*[(f" w{i}", i * 0.5, i * 0.5 + 0.4) for i in range(15)])]}
    kept = model._primed_unless_cut(outputs, [0, 1], work, "primed options")
    assert list(kept) == [0]


def test_roles_are_read_from_what_the_unprimed_decode_heard():
    """A prompt holds the company name and the card's phrasings: written over the customer's
    speech, it must not make the customer the agent."""
    customer = _chunks([0], [1], [None, Clock()], {0: [PRIMED]}, {0: [HEARD]})  # voice 1, primed
    agent = _chunks(
        [0],
        [0],
        [Clock()],
        {0: [sub((" Hello,", 3.0, 3.3), (" how", 3.3, 3.5), (" can", 3.5, 3.7), (" I", 3.7, 3.8),
                 (" help", 3.8, 4.0), (" you?", 4.0, 4.3))]},
        {},
    )  # fmt: skip
    pieces = _pieces(customer + agent, stereo_locate)
    hints = RoleHints(phrases=("this call is recorded", "how can i help you", "hello"))
    decision = _roles(pieces, hints, diarized=True)
    assert decision.signals["card_phrases"] == 0  # only voice 0 said a card phrase, unprimed
    assert decision.stats["card_phrases"] == (2.0, 0.0)


def test_the_engine_docstring_says_what_is_decoded_how():
    doc = engine.__doc__ or ""
    assert "unprimed" in doc and "primed" in doc and "unprimed_words" in doc
