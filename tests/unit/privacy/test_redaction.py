"""A call transcript is redacted before storage: text, words and the audio spans to tone out."""

from __future__ import annotations

from transforms.core.transcript import CallTranscript, Segment, Word
from transforms.privacy.redaction import playback_uri, redact_transcript


def _segment(speaker: str, channel: int, start: float, said: str) -> Segment:
    timed = tuple(
        Word(f" {w}", start + 0.4 * i, start + 0.4 * i + 0.35, 0.9)
        for i, w in enumerate(said.split())
    )
    return Segment(
        speaker=speaker,
        channel=channel,
        start_s=start,
        end_s=timed[-1].end_s,
        text=" ".join(said.split()),
        avg_logprob=-0.2,
        no_speech_prob=0.01,
        words=timed,
    )


def test_a_number_read_across_two_segments_is_redacted_in_text_words_and_audio() -> None:
    agent = _segment("agent", 0, 0.0, "thank you for calling how can i help")
    first = _segment("customer", 1, 3.0, "my number is oh seven seven oh oh")
    second = _segment("customer", 1, 6.5, "nine oh oh one two three thanks")
    call = CallTranscript("en", 0.99, 10.0, [agent, first, second])

    red = redact_transcript(call)

    texts = [s.text for s in red.transcript.segments]
    assert texts[0] == agent.text  # nothing to redact: untouched
    assert "<PHONE>" in texts[1] and "<PHONE>" in texts[2]
    assert "seven" not in texts[1] and "nine" not in texts[2] and texts[2].endswith("thanks")
    for seg in red.transcript.segments[1:]:
        # Words and text agree, and the placeholder keeps the words' timings.
        assert "".join(w.word for w in seg.words).strip() == seg.text
    # One placeholder per segment the number runs through: what the stored text carries.
    assert red.entities == {"PHONE": 2}
    spans = red.audio_spans[1]
    assert 0 not in red.audio_spans  # the agent channel had no entity
    assert min(s.start_s for s in spans) >= 3.0 and max(s.end_s for s in spans) <= 9.0
    assert sum(s.end_s - s.start_s for s in spans) > 3.0


def test_a_clean_call_comes_back_unchanged() -> None:
    call = CallTranscript("fr", 0.9, 4.0, [_segment("agent", 0, 0.0, "bonjour madame")])
    red = redact_transcript(call)
    assert red.transcript.segments == call.segments
    assert red.audio_spans == {} and not red.entities


def test_playback_copy_sits_beside_the_audio() -> None:
    assert playback_uri("/x/audio/t/ab/abc.mp3") == "/x/audio/t/ab/abc.playback.flac"


def test_the_unprimed_text_of_a_primed_segment_is_redacted_like_the_text() -> None:
    """What the unprimed decode heard is personal data too: a number it heard is redacted in its
    words and toned out of the playback copy, even where the primed text missed the number."""
    heard = _segment(
        "customer", 1, 3.0, "my number is oh seven seven oh oh nine oh oh one two three"
    )
    primed = Segment(
        **{
            **_segment("customer", 1, 3.0, "this call may be recorded").__dict__,
            "primed": True,
            "unprimed_words": heard.words,
        }
    )
    call = CallTranscript("en", 0.9, 10.0, [_segment("agent", 0, 0.0, "hello"), primed])

    red = redact_transcript(call)

    seg = red.transcript.segments[1]
    assert seg.primed and seg.text == "this call may be recorded"
    assert "<PHONE>" in seg.unprimed_text and "seven" not in seg.unprimed_text
    assert red.entities["PHONE"] == 1
    assert red.audio_spans[1] and min(s.start_s for s in red.audio_spans[1]) >= 3.0
