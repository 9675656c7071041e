"""Speech to text with faster-whisper: batched, VAD on, word timestamps, int8 on CPU.

Stereo calls are transcribed one channel per speaker, both channels in one batch; mono and
fake-stereo calls are split into two voices by ``transforms.transcribe.diarization`` and the agent
is found by ``transforms.transcribe.roles``. Every segment passes the
``transforms.transcribe.guards`` checks. The model itself is ``transforms.transcribe.model``.

What is decoded how (``Transcriber._run``): every chunk is decoded once *unprimed*. A chunk of a
primed source (the agent's channel, or both voices of a mono call) that came out unsure
(``PRIME_BELOW``) is decoded a second time *primed* with the card's phrasings
(``transforms.transcribe.biasing``); the primed text replaces the unprimed one unless the prompt
cut it short (``_primed_unless_cut``). Both texts are kept: a primed segment carries
``primed=True`` and the unprimed decode's words over the same audio (``Segment.unprimed_words``),
because the scorer accepts primed text as a hint only, never as proof that a phrase was said
(docs/scorecards.md, "Evidence"), and the role signals but the greeting read the unprimed text
(``transforms.transcribe.roles``). ``_chunks`` turns the decodes into the call's clock; what is
decoded primed, and how, can change behind it.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from transforms.core.audio import WHISPER_SAMPLE_RATE
from transforms.core.transcript import CallTranscript, Segment, Word
from transforms.transcribe import guards
from transforms.transcribe.biasing import DecoderBias, bias_of
from transforms.transcribe.channels import ChannelPlan, plan_channels
from transforms.transcribe.diarization import Diarization, diarize
from transforms.transcribe.model import COMPUTE_TYPE, model_class, model_id
from transforms.transcribe.roles import (
    OPENING_MIN_S,
    HeardAudio,
    RoleDecision,
    RoleHints,
    VoiceSummary,
    decide_roles,
)

#: Beam 5, batched: batching makes the beam cheap (the encoder dominates once windows are
#: trimmed), and greedy decoding cost ~2 WER points on the samples (bench/transcription.py).
DEFAULT_BEAM = 5
#: Chunks (≤ 30 s of speech each) padded to one width and decoded together (what a chunk's
#: decode depends on); run a few at a time (``transforms.transcribe.batch_parts``) for memory.
BATCH_SIZE = 8
#: A pause longer than this between two words of one speaker starts a new segment (a turn).
PAUSE_S = 1.0
#: A lone diarized word the other voice continues within this gap is a slip, not a turn.
EDGE_SLIP_S = 0.5
#: Diarization needs tighter regions (little silence inside): pads of 400 ms put one voice's
#: padding over the other's turn and cost up to 20 points of speaker accuracy on a call.
DIARIZATION_VAD = {"min_silence_duration_ms": 300, "speech_pad_ms": 100}
#: Longest chunk of concatenated speech: Whisper's full window. Shorter chunks encode much
#: faster (attention is quadratic: 16 ms per audio second at 20 s, 28 ms at 30 s) but lost
#: context: 20-s chunks cost 1.2 WER points on the samples, 25-s chunks 3.6 (one English
#: call fell apart), so the window stays whole.
CHUNK_S = 30.0
#: Silero VAD, for chunking and diarization alike: pauses of 160 ms split speech (turns
#: separate for diarization); 400 ms of padding keeps word edges (200 ms cost 5 WER points).
VAD = {"min_silence_duration_ms": 160, "speech_pad_ms": 400, "max_speech_duration_s": CHUNK_S}
#: Only a chunk Whisper wrote unsure (mean word probability below this) is decoded again primed:
#: clear speech is left as it was heard, so a prompt cannot put its phrases where Whisper already
#: heard something else (priming every chunk cost bench/scoring_accuracy.py 1.6 points). Chosen on
#: the French set's dev split: 0.7 primes its garbled chunks (segments at 0.1-0.45) as priming
#: everything did (silent errors 3.3 % of verdicts), 0.6 left some unprimed (4.4 %); the samples'
#: agent turns sit at 0.62-0.99, and the scoring bench rose to 99.6 % with 0.7 (99.2 % with 0.6).
PRIME_BELOW = 0.7
#: A primed chunk that comes out with fewer words a second of speech than this was cut short by
#: its prompt, and the plain text is kept if longer (``Transcriber._primed_unless_cut``): speech
#: runs at 2-3 words a second, VAD padding included; tuned on the French set's dev split.
MIN_PRIMED_WORDS_PER_S = 1.0
#: A chunk shorter than one feature hop has nothing to decode.
HOP_SAMPLES = 160
#: Shortest encoder input (frames of 10 ms) for a short chunk.
MIN_WINDOW_FRAMES = 500


_TimedWord = tuple[str, float, float, float]  # (word, start, end, probability), call clock


@dataclass
class _Chunk:
    """One decoded piece of a chunk: its words in the call's clock, and its scores."""

    source: int  # index of the signal (channel) it came from
    words: list[_TimedWord]
    avg_logprob: float
    no_speech_prob: float
    #: which VAD chunk it was decoded from (a chunk's decode may come in several pieces)
    index: int = 0
    #: True when ``words`` come from the primed decode
    primed: bool = False
    #: the unprimed decode's words of the same chunk (primed chunks only, on its first piece)
    unprimed: list[_TimedWord] = field(default_factory=list)


@dataclass(frozen=True)
class _Work:
    """What every decode of one call shares: each chunk's features and metadata, the tokenizer."""

    features: list[np.ndarray]
    metadata: list[dict[str, Any]]
    tokenizer: Any


@dataclass
class _Piece:
    """Words of one voice between two pauses, inside one decoded chunk."""

    source: int  # channel index (stereo) or diarized voice (mono)
    words: list[Word]
    avg_logprob: float
    no_speech_prob: float
    speaker_confidence: list[float] = field(default_factory=list)
    index: int = 0  # the VAD chunk it was decoded from
    primed: bool = False
    #: the unprimed decode's words over this piece's stretch of a primed chunk
    unprimed: list[Word] = field(default_factory=list)

    def heard_unprimed(self) -> list[Word]:
        """What the unprimed decode heard here: the words themselves unless primed."""
        return self.unprimed if self.primed else self.words


def restrict_language(
    probs: list[tuple[str, float]] | None, allowed: tuple[str, ...], fallback: str
) -> tuple[str, float | None]:
    """Best language among the tenant's, with its probability renormalised over them."""
    if not probs:
        return (allowed[0] if allowed else fallback), None
    if not allowed:
        return probs[0][0], float(probs[0][1])
    kept = [(lang, p) for lang, p in probs if lang in allowed]
    if not kept:
        return allowed[0], None
    total = sum(p for _, p in kept) or 1.0
    lang, p = max(kept, key=lambda lp: lp[1])
    return lang, round(float(p) / total, 4)


class Transcriber:
    """One loaded model per process; ``transcribe`` is called once per call."""

    def __init__(
        self,
        model_dir: str | Path,
        *,
        cpu_threads: int,
        beam_size: int = DEFAULT_BEAM,
        batch_size: int = BATCH_SIZE,
        device: str = "cpu",
        compute_type: str = COMPUTE_TYPE,
    ) -> None:
        from faster_whisper import BatchedInferencePipeline

        self.model_dir = Path(model_dir)
        self.model_id = model_id(self.model_dir, compute_type)
        self.beam_size = beam_size
        self.batch_size = batch_size
        self.model = model_class()(
            str(self.model_dir), device=device, compute_type=compute_type, cpu_threads=cpu_threads
        )
        self.pipeline = BatchedInferencePipeline(self.model)

    def _run(
        self,
        signals: list[np.ndarray],
        language: str | None,
        allowed: tuple[str, ...],
        bias: DecoderBias | None = None,
        primed_sources: tuple[int, ...] | None = None,
    ) -> tuple[list[_Chunk], str, float | None]:
        """VAD → speech chunks (≤ 30 s, one signal each) → one batched decode with word times.

        Returns the decoded chunks (``source`` = signal index, word times in that signal's
        clock), the language used and its probability when detected. As
        ``BatchedInferencePipeline.transcribe`` except that (1) the
        chunks of both channels share the batches, yet a chunk never mixes channels (mixing
        them changed what Whisper heard at the start of a call); (2) each batch is padded to its
        own longest chunk, not to 30 s: the encoder is most of the CPU time; (3) the language
        is detected on the first chunk among the tenant's languages; (4) the chunks of
        ``primed_sources`` (all when None) that came out unsure are decoded again primed with
        ``bias``'s text for that language (``transforms.transcribe.biasing``); a chunk whose
        primed text is kept also keeps its unprimed words (``_Chunk.unprimed``).
        """
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.vad import SpeechTimestampsMap

        from transforms.transcribe.vad import speech_chunks, speech_timestamps

        model = self.model
        features: list[np.ndarray] = []
        metadata: list[dict[str, Any]] = []
        sources: list[int] = []
        maps: list[Any] = []
        for source, audio in enumerate(signals):
            clips = speech_timestamps(audio, VAD)
            maps.append(SpeechTimestampsMap(clips, WHISPER_SAMPLE_RATE) if clips else None)
            if not clips:
                continue
            # One chunk's copy of the speech at a time (transforms.transcribe.vad).
            for chunk, meta in speech_chunks(audio, clips, max_duration=CHUNK_S):
                if len(chunk) < HOP_SAMPLES:
                    continue
                features.append(model.feature_extractor(chunk)[..., :-1])
                metadata.append(meta)
                sources.append(source)
        fallback = language or (allowed[0] if allowed else "en")
        if not features:
            return [], fallback, None
        probability = None
        if language is None:
            if model.model.is_multilingual:
                first = self._window(features[0], metadata[0]["duration"])
                probs = [
                    (token[2:-2], p)
                    for token, p in model.model.detect_language(model.encode(first[None]))[0]
                ]
                language, probability = restrict_language(probs, allowed, fallback)
            else:
                language = "en"
        tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, "transcribe", language
        )
        plain = self._options(tokenizer)
        primed = self._options(
            tokenizer, **bias_of(bias, language, lambda text: len(tokenizer.encode(text)))
        )
        targets = set(range(len(signals))) if primed_sources is None else set(primed_sources)
        # Similar lengths batch together, so little padding is encoded.
        order = sorted(range(len(features)), key=lambda i: features[i].shape[-1])
        work = _Work(features, metadata, tokenizer)
        outputs = self._decode(order, work, plain)
        # chunk index -> its unprimed decode, for the chunks whose primed text is kept
        unprimed: dict[int, list[dict[str, Any]]] = {}
        if primed != plain:
            unsure = [
                i
                for i in order
                if sources[i] in targets and _mean_word_probability(outputs[i]) < PRIME_BELOW
            ]
            again = self._primed_unless_cut(outputs, unsure, work, primed)
            unprimed = {i: outputs[i] for i in again}
            outputs.update(again)
        decoded = _chunks(order, sources, maps, outputs, unprimed)
        decoded.sort(key=lambda c: (c.source, c.words[0][1] if c.words else 0.0))
        self.pipeline.last_speech_timestamp = 0.0
        return decoded, language, probability

    def _decode(
        self, indices: list[int], work: _Work, options: Any
    ) -> dict[int, list[dict[str, Any]]]:
        """Decode ``indices`` in batches; batched decoding has no temperature fallback, so a chunk
        that loops ("c'est le neuf, c'est le neuf, …") is decoded again with repeated trigrams
        banned (if it still fails, the guards flag it)."""
        if not indices:
            return {}
        out = self._decode_batches(indices, work, options)
        looping = [i for i in indices if any(_loops(sub["text"]) for sub in out[i])]
        if looping:
            retry = dataclasses.replace(options, no_repeat_ngram_size=3, repetition_penalty=1.1)
            out.update(self._decode_batches(looping, work, retry))
        return out

    def _primed_unless_cut(
        self, outputs: dict[int, list[dict[str, Any]]], unsure: list[int], work: _Work, primed: Any
    ) -> dict[int, list[dict[str, Any]]]:
        """``unsure`` chunks decoded again with the prompt; the primed text replaces the plain one
        unless it came out with fewer than ``MIN_PRIMED_WORDS_PER_S`` words a second of speech
        and fewer words than the plain text.

        A prompt can make Whisper write a few of its phrases and stop: on the French set's dev
        calls whole agent turns vanished, and speech that is not transcribed cannot even be
        flagged "not heard".
        """
        again = self._decode(unsure, work, primed)
        return {
            i: subs
            for i, subs in again.items()
            if _word_count(subs) >= MIN_PRIMED_WORDS_PER_S * work.metadata[i]["duration"]
            or _word_count(subs) > _word_count(outputs[i])
        }

    def _decode_batches(
        self, indices: list[int], work: _Work, options: Any
    ) -> dict[int, list[dict[str, Any]]]:
        from faster_whisper.audio import pad_or_trim

        from transforms.transcribe.batch_parts import forward_in_parts

        features, metadata = work.features, work.metadata
        out: dict[int, list[dict[str, Any]]] = {}
        for b in range(0, len(indices), self.batch_size):
            idx = indices[b : b + self.batch_size]
            width = max(self._window(features[i], metadata[i]["duration"]).shape[-1] for i in idx)
            batch = np.stack([pad_or_trim(features[i], width) for i in idx])
            self.pipeline.last_speech_timestamp = 0.0
            results = forward_in_parts(
                self.pipeline, batch, work.tokenizer, [metadata[i] for i in idx], options
            )
            out.update(zip(idx, results, strict=True))
        return out

    def _options(
        self, tokenizer: Any, initial_prompt: str | None = None, hotwords: str | None = None
    ) -> Any:
        from faster_whisper.transcribe import TranscriptionOptions, get_suppressed_tokens

        return TranscriptionOptions(
            beam_size=self.beam_size,
            best_of=5,
            patience=1,
            length_penalty=1,
            repetition_penalty=1,
            no_repeat_ngram_size=0,
            log_prob_threshold=guards.LOGPROB_MIN,
            no_speech_threshold=guards.NO_SPEECH_MIN,
            compression_ratio_threshold=guards.COMPRESSION_RATIO_MAX,
            # Conditioning on earlier text is what makes Whisper loop on long calls.
            condition_on_previous_text=False,
            prompt_reset_on_temperature=0.5,
            temperatures=[0.0],
            initial_prompt=initial_prompt,
            prefix=None,
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
            without_timestamps=True,
            max_initial_timestamp=0.0,
            word_timestamps=True,
            prepend_punctuations="\"'“¿([{-",
            append_punctuations="\"'.。,，!！?？:：”)]}、",
            multilingual=False,
            max_new_tokens=None,
            clip_timestamps="0",
            hallucination_silence_threshold=None,
            hotwords=hotwords,
        )

    def _window(self, features: np.ndarray, duration_s: float) -> np.ndarray:
        """Encoder input of one chunk: its length rounded up to whole seconds, or 30 s.

        Whole seconds because the word aligner reads ``ceil(duration)`` seconds of encoder
        output: a shorter input would make it read past the end.
        """
        from faster_whisper.audio import pad_or_trim

        frames = max(-(-features.shape[-1] // 100), int(np.ceil(duration_s))) * 100
        return pad_or_trim(features, min(3000, max(MIN_WINDOW_FRAMES, frames)))

    def transcribe(
        self,
        channels: list[np.ndarray],
        *,
        language: str | None,
        channel_layout: str | None,
        allowed_languages: tuple[str, ...] = (),
        roles: RoleHints | None = None,
        bias: DecoderBias | None = None,
    ) -> CallTranscript:
        """Transcribe one call: speakers from the channels, or from diarization when mono;
        ``bias`` primes the decoder with the call's scorecard phrasings and tenant name."""
        started = time.perf_counter()
        roles = roles or RoleHints()
        duration = max(len(c) for c in channels) / WHISPER_SAMPLE_RATE
        plan = plan_channels(channels, channel_layout)
        decision = None
        if len(plan.signals) == 2:
            pieces, detected, probability = self._stereo(plan, language, allowed_languages, bias)
            if plan.speakers is None:
                decision = _roles(pieces, roles)
        else:
            pieces, detected, probability, heard = self._mono(
                plan.signals[0], language, allowed_languages, bias
            )
            decision = _roles(pieces, roles, diarized=True, audio=heard)
        if decision is None:
            assert plan.speakers is not None
            speakers = dict(enumerate(plan.speakers))
        else:
            speakers = {decision.agent: "agent", 1 - decision.agent: "customer"}
        segments = [_segment(p, speakers[p.source], len(plan.signals) == 2) for p in pieces]
        spans = [(s.start_s, s.end_s, s.flag) for s in segments]
        weights = [(s.end_s - s.start_s, s.confidence or 0.0) for s in segments]
        total = sum(w for w, _ in weights)
        confidence = round(sum(w * c for w, c in weights) / total, 4) if total > 0 else None
        quality, reason = guards.call_quality(spans, confidence)
        return CallTranscript(
            language=detected or "und",
            language_probability=probability,
            duration_s=duration,
            segments=segments,
            seconds=time.perf_counter() - started,
            speaker_method=plan.speaker_method,
            language_source="declared" if language else "detected",
            quality=quality,
            quality_reason=reason,
            confidence=confidence,
            role_check="channel" if decision is None else decision.check,
            role_signals={} if decision is None else _signals(decision),
        )

    def _stereo(
        self,
        plan: ChannelPlan,
        language: str | None,
        allowed: tuple[str, ...],
        bias: DecoderBias | None = None,
    ) -> tuple[list[_Piece], str, float | None]:
        """Both channels in the same batches; the agent's first so that language detection
        hears the agent."""
        first = 0 if plan.speakers is None or plan.speakers[0] == "agent" else 1
        order = [first, 1 - first]
        # Only the agent's channel is primed when the layout says which it is: the scorecard
        # lists the agent's words, and a primed customer channel had Whisper write them over
        # the customer's speech (bench/french_accuracy.py).
        chunks, detected, probability = self._run(
            [plan.signals[order[0]], plan.signals[order[1]]],
            language,
            allowed,
            bias,
            primed_sources=None if plan.speakers is None else (0,),
        )

        def locate(source: int, start: float, end: float) -> tuple[int, float | None]:
            return order[source], None

        return _pieces(chunks, locate), detected, probability

    def _mono(
        self,
        audio: np.ndarray,
        language: str | None,
        allowed: tuple[str, ...],
        bias: DecoderBias | None = None,
    ) -> tuple[list[_Piece], str, float | None, Diarized]:
        """The pieces, the language and its probability, and what diarization heard."""
        chunks, detected, probability = self._run([audio], language, allowed, bias)
        heard = diarize_call(audio)
        voices = heard.voices

        def locate(source: int, start: float, end: float) -> tuple[int, float | None]:
            label, conf = voices.at(start, end)
            return label, conf

        return _pieces(chunks, locate), detected, probability, heard


@dataclass(frozen=True)
class Diarized:
    """A mono call's two voices as diarization labelled them, and where its speech starts."""

    voices: Diarization
    first_speech_s: float


def diarize_call(audio: np.ndarray) -> Diarized:
    """Diarization of a mono call over its speech regions (VAD with ``DIARIZATION_VAD``)."""
    from transforms.transcribe.vad import speech_timestamps

    # The same VAD probabilities as the chunking's (computed once), other rules.
    regions = [
        (r["start"] / WHISPER_SAMPLE_RATE, r["end"] / WHISPER_SAMPLE_RATE)
        for r in speech_timestamps(audio, DIARIZATION_VAD)
    ]
    return Diarized(diarize(audio, regions), regions[0][0] if regions else 0.0)


def _roles(
    pieces: list[_Piece], roles: RoleHints, diarized: bool = False, audio: Diarized | None = None
) -> RoleDecision:
    """Which of voices 0/1 is the agent, and whether the role signals agree
    (``transforms.transcribe.roles``): openings as written, the rest as the unprimed decode
    heard it; on a mono call, who talks more and whether the opening was transcribed as the
    audio says (``audio``)."""
    ordered = sorted(pieces, key=lambda p: p.words[0].start_s)
    voices = [
        VoiceSummary(
            opening=" ".join(w.word for p in ordered if p.source == v for w in p.words),
            heard="".join(w.word for p in ordered if p.source == v for w in p.heard_unprimed()),
            talk_s=sum(p.words[-1].end_s - p.words[0].start_s for p in ordered if p.source == v),
            speech_s=None if audio is None else audio.voices.speech_s(v),
        )
        for v in (0, 1)
    ]
    first = _first_voice(ordered, diarized)
    at_length = next(
        (p.source for p in ordered if p.words[-1].end_s - p.words[0].start_s >= OPENING_MIN_S),
        first,
    )
    heard = None
    if audio is not None and ordered:
        heard = HeardAudio(
            first_speech_s=audio.first_speech_s,
            first_word_s=ordered[0].words[0].start_s,
            separation=audio.voices.separation(),
        )
    return decide_roles(voices, first, at_length, roles, audio=heard)


def _signals(decision: RoleDecision) -> dict[str, Any]:
    return {
        **decision.signals,
        "stats": decision.stats,
        "agent": decision.agent,
        "rule_agent": decision.rule_agent,
    }


def _first_voice(ordered: list[_Piece], diarized: bool) -> int:
    """The voice that opens the call.

    With diarized voices, a lone word that the other voice carries on from within
    ``EDGE_SLIP_S`` is a slip of the 1-s diarization window at the edge of a turn, not a turn:
    a fake-stereo MP3 of a sample call gave its opening "Bonjour," to the customer's voice, and
    the first-speaker rule then swapped both roles for the whole call.
    """
    for piece, after in zip(ordered, [*ordered[1:], None], strict=False):
        slip = (
            diarized
            and len(piece.words) == 1
            and after is not None
            and after.source != piece.source
            and after.words[0].start_s - piece.words[-1].end_s < EDGE_SLIP_S
        )
        if not slip:
            return piece.source
    return ordered[0].source if ordered else 0


def _word_count(subsegments: list[dict[str, Any]]) -> int:
    return sum(len(sub["text"].split()) for sub in subsegments)


def _mean_word_probability(subsegments: list[dict[str, Any]]) -> float:
    """How sure Whisper was of a decoded chunk (0 when it wrote nothing)."""
    probs = [w["probability"] for sub in subsegments for w in sub.get("words") or ()]
    return sum(probs) / len(probs) if probs else 0.0


def _loops(text: str) -> bool:
    return guards.compression_ratio(text) > guards.COMPRESSION_RATIO_MAX or guards.repeated_ngram(
        text
    )


def _chunks(
    order: list[int],
    sources: list[int],
    maps: list[Any],
    outputs: dict[int, list[dict[str, Any]]],
    unprimed: dict[int, list[dict[str, Any]]],
) -> list[_Chunk]:
    """The decoded chunks in the call's clock: ``outputs`` (the text kept, primed or not) and, for
    the chunks whose primed text was kept, their ``unprimed`` decode's words beside it."""
    decoded: list[_Chunk] = []
    for i in order:
        ts_map = maps[sources[i]]
        heard = [w for sub in unprimed.get(i, ()) for w in _timed(sub, ts_map)]
        for n, sub in enumerate(outputs[i]):
            decoded.append(
                _Chunk(
                    sources[i],
                    _timed(sub, ts_map),
                    float(sub["avg_logprob"]),
                    float(sub["no_speech_prob"]),
                    index=i,
                    primed=i in unprimed,
                    unprimed=heard if n == 0 else [],
                )
            )
    return decoded


def _timed(sub: dict[str, Any], ts_map: Any) -> list[_TimedWord]:
    """A decoded sub-segment's words, their times mapped from the chunk to the call's clock."""
    words = []
    for w in sub.get("words") or ():
        where = ts_map.get_chunk_index((w["start"] + w["end"]) / 2)
        words.append(
            (
                w["word"],
                ts_map.get_original_time(w["start"], where),
                ts_map.get_original_time(w["end"], where),
                float(w["probability"]),
            )
        )
    return words


def _word(text: str, start: float, end: float, probability: float) -> Word:
    return Word(text, round(start, 3), round(end, 3), round(probability, 4))


def _pieces(chunks: list[_Chunk], locate: Any) -> list[_Piece]:
    """Split decoded chunks into pieces of one voice between pauses.

    ``locate(source, start, end)`` gives a word's voice and, from diarization, how sure
    that voice is. A primed chunk's unprimed words go to its pieces by time (``_share_unprimed``).
    """
    pieces: list[_Piece] = []
    unprimed: dict[int, list[_TimedWord]] = {}
    for chunk in chunks:
        current: _Piece | None = None
        if chunk.unprimed:
            unprimed[chunk.index] = chunk.unprimed
        for text, start, end, probability in chunk.words:
            if not text.strip():
                continue
            source, speaker_conf = locate(chunk.source, start, end)
            word = _word(text, start, end, probability)
            if (
                current is None
                or current.source != source
                or word.start_s - current.words[-1].end_s > PAUSE_S
            ):
                current = _Piece(
                    source,
                    [],
                    chunk.avg_logprob,
                    chunk.no_speech_prob,
                    index=chunk.index,
                    primed=chunk.primed,
                )
                pieces.append(current)
            current.words.append(word)
            if speaker_conf is not None:
                current.speaker_confidence.append(speaker_conf)
    for index, words in unprimed.items():
        _share_unprimed(words, [p for p in pieces if p.index == index], locate)
    return pieces


def _share_unprimed(words: list[_TimedWord], pieces: list[_Piece], locate: Any) -> None:
    """Give each unprimed word of a chunk to the piece of its primed decode nearest in time (of
    the same voice when there is one): every word the unprimed decode heard stays with the
    stretch of audio it was heard in, none is dropped."""
    if not pieces:
        return
    source = pieces[0].source
    for text, start, end, probability in words:
        if not text.strip():
            continue
        voice, _ = locate(source, start, end)
        mine = [p for p in pieces if p.source == voice] or pieces
        middle = (start + end) / 2
        nearest = min(
            mine,
            key=lambda p: max(p.words[0].start_s - middle, middle - p.words[-1].end_s, 0.0),
        )
        nearest.unprimed.append(_word(text, start, end, probability))


def _segment(piece: _Piece, speaker: str, stereo: bool) -> Segment:
    text = "".join(w.word for w in piece.words).strip()
    confidence = round(float(np.mean([w.probability for w in piece.words])), 4)
    flags = guards.segment_flags(text, piece.avg_logprob, piece.no_speech_prob, confidence)
    speaker_conf = (
        round(float(np.mean(piece.speaker_confidence)), 4) if piece.speaker_confidence else None
    )
    return Segment(
        speaker=speaker,
        channel=piece.source if stereo else 0,
        start_s=piece.words[0].start_s,
        end_s=max(piece.words[-1].end_s, piece.words[0].start_s + 0.01),
        text=text,
        avg_logprob=round(piece.avg_logprob, 4),
        no_speech_prob=round(piece.no_speech_prob, 4),
        words=tuple(piece.words),
        confidence=confidence,
        speaker_confidence=speaker_conf,
        compression_ratio=round(guards.compression_ratio(text), 3),
        flag=bool(flags),
        flag_reason=",".join(flags) or None,
        primed=piece.primed,
        unprimed_words=tuple(piece.unprimed) if piece.primed else (),
    )
