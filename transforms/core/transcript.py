"""What transcription produces: words, segments (one speaker's turn) and a call's transcript.

They live in core because transcription writes them, and redaction (privacy, below transcribe)
and scoring (above it) read them: no domain imports the ASR engine for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Flag codes that mean "Whisper heard no speech here": such text stays out of the call text
#: (the guards that set them: ``transforms.transcribe.guards``).
NOT_SPEECH = frozenset({"no_speech"})


@dataclass(frozen=True)
class Word:
    word: str
    start_s: float
    end_s: float
    probability: float


@dataclass(frozen=True)
class Segment:
    speaker: str
    channel: int
    start_s: float
    end_s: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    #: In order, as the model spelled them (leading space included), so that
    #: ``"".join(w.word for w in words).strip() == text``: redaction cuts text and audio by time.
    words: tuple[Word, ...] = ()
    #: Mean word probability (0–1): how sure the model is of this text.
    confidence: float | None = None
    #: How sure the diarization is of the speaker (None when a channel says who speaks).
    speaker_confidence: float | None = None
    compression_ratio: float | None = None
    #: True when a guard failed; ``flag_reason`` lists the codes (``transforms.transcribe.guards``).
    flag: bool = False
    flag_reason: str | None = None
    #: True when this text comes from the second decode of an unsure chunk, primed with the
    #: card's phrases (``transforms.transcribe.engine``): a hint, never proof a phrase was said.
    primed: bool = False
    #: What the first, unprimed decode heard over the same audio, for a primed segment (empty
    #: otherwise: the text is then the unprimed decode's own). Redacted like ``words``.
    unprimed_words: tuple[Word, ...] = ()

    @property
    def unprimed_text(self) -> str:
        """What the unprimed decode heard here: the text itself unless the segment is primed."""
        if not self.primed:
            return self.text
        return "".join(w.word for w in self.unprimed_words).strip()


@dataclass
class CallTranscript:
    language: str
    language_probability: float | None
    duration_s: float
    segments: list[Segment] = field(default_factory=list)
    seconds: float = 0.0
    speaker_method: str = "stereo_channels"
    #: ``declared`` (manifest) | ``detected`` (among the tenant's languages)
    language_source: str = "declared"
    quality: str = "ok"
    quality_reason: str | None = None
    confidence: float | None = None
    #: How the roles were decided (``transforms.transcribe.roles``): ``channel`` (the declared
    #: layout says who speaks), ``agree`` (every role signal points at the same voice) or
    #: ``disagree`` (they do not: the call's role-dependent verdicts go to a person).
    role_check: str = "channel"
    #: Each role signal's vote (voice index or None) and what it was counted from, for
    #: benchmarks and tests; not stored.
    role_signals: dict[str, Any] = field(default_factory=dict)

    @property
    def real_time_factor(self) -> float:
        """Audio seconds per wall second (higher is faster)."""
        return self.duration_s / self.seconds if self.seconds > 0 else 0.0

    def spoken(self) -> list[Segment]:
        """Segments that count as speech: those Whisper itself would call no-speech are left out."""
        return [
            s
            for s in self.ordered()
            if not (s.flag_reason and NOT_SPEECH & set(s.flag_reason.split(",")))
        ]

    def text_of(self, speaker: str | None = None) -> str:
        return " ".join(s.text for s in self.spoken() if speaker in (None, s.speaker)).strip()

    def ordered(self) -> list[Segment]:
        return sorted(self.segments, key=lambda s: (s.start_s, s.channel))

    def tagged_text(self) -> str:
        return "\n".join(f"[{s.speaker}] {s.text}" for s in self.spoken())

    @property
    def flagged_segments(self) -> int:
        return sum(s.flag for s in self.segments)
