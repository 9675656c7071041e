"""Silero VAD over a long call in bounded memory, with faster-whisper's speech timestamps to the
sample, and the speech chunks handed out one at a time.

faster-whisper 1.2.1's ``get_speech_timestamps`` pads a copy of the whole signal, builds the
model's input for all of it at once (every 512-sample window with 64 samples of context: 1.125×
the signal again) and runs the ONNX session on 10,000 windows (5.3 minutes) at a time; on one
30-minute channel that added about 400 MB at its peak. ``collect_chunks`` then copies all of a
channel's speech into chunks held together until every chunk's features are computed.

Here the same session (``get_vad_model()``, the same weights and options) runs on
``WINDOWS_PER_RUN`` windows at a time, its LSTM state carried from one run to the next. The
model reads the batch axis as one sequence of windows, so the speech probabilities are the same
to the bit whatever the run length, and the timestamps are computed from them by the same rules
as ``get_speech_timestamps`` (ported below). ``tests/unit/transcribe/test_vad.py`` checks both
against the stock functions: probabilities and timestamps on the sample calls, the rules on
random probabilities, the chunks and their metadata.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from transforms.core.audio import WHISPER_SAMPLE_RATE

#: Samples per Silero window at 16 kHz, and the context the model reads before each window.
WINDOW = 512
CONTEXT = 64
#: Windows per ONNX run: 32 s of audio, a few MB of input and activations. Any length gives the
#: same probabilities; much shorter runs cost time in per-run overhead.
WINDOWS_PER_RUN = 1000

#: The last signal's probabilities while that array lives: a mono call runs VAD twice on one
#: signal with different rules (chunking, then diarization regions), and the model's output
#: does not depend on the rules. Keyed by the array object itself (a weak reference, so a new
#: array never matches an old one); signals are not modified after decoding.
_last: tuple[weakref.ref[np.ndarray], np.ndarray] | None = None


def speech_probabilities(audio: np.ndarray) -> np.ndarray:
    """Silero's speech probability per 512-sample window, as faster-whisper's
    ``SileroVADModel.__call__`` on the padded signal gives them: one window more than whole
    windows fit (zeros pad it), the first window's context zeros, and the last 64 samples of the
    last window zeroed (that model does so in place before reading the contexts)."""
    global _last
    if _last is not None and _last[0]() is audio:
        return _last[1]
    from faster_whisper.vad import get_vad_model

    session = get_vad_model().session
    if audio.ndim != 1:
        raise ValueError("VAD reads one channel: a 1-D signal")
    n = len(audio) // WINDOW + 1
    h = np.zeros((1, 1, 128), dtype=np.float32)
    c = np.zeros((1, 1, 128), dtype=np.float32)
    probs = np.empty(n, dtype=np.float32)
    for first in range(0, n, WINDOWS_PER_RUN):
        last = min(n, first + WINDOWS_PER_RUN)
        # The run's samples with the context before its first window; zeros past the signal.
        start = first * WINDOW - CONTEXT
        flat = np.zeros((last - first) * WINDOW + CONTEXT, dtype=np.float32)
        lo, hi = max(0, start), min(len(audio), last * WINDOW)
        if hi > lo:
            flat[lo - start : hi - start] = audio[lo:hi]
        if last == n:
            flat[-CONTEXT:] = 0.0
        windows = np.lib.stride_tricks.sliding_window_view(flat, WINDOW + CONTEXT)[::WINDOW]
        out, h, c = session.run(None, {"input": np.ascontiguousarray(windows), "h": h, "c": c})
        probs[first:last] = np.asarray(out).reshape(-1)
    _last = (weakref.ref(audio), probs)
    return probs


def speech_timestamps(
    audio: np.ndarray, options: Mapping[str, Any] | None = None
) -> list[dict[str, int]]:
    """``faster_whisper.vad.get_speech_timestamps(audio, VadOptions(**options))``, the same
    list, computed in bounded memory."""
    from faster_whisper.vad import VadOptions

    return timestamps_from_probabilities(
        speech_probabilities(audio), len(audio), VadOptions(**(options or {}))
    )


def timestamps_from_probabilities(
    speech_probs: np.ndarray, audio_length_samples: int, vad_options: Any
) -> list[dict[str, int]]:
    """The rules of faster-whisper 1.2.1's ``get_speech_timestamps`` after the model has run
    (ported as written: adapted there from snakers4/silero-vad, MIT), at 16 kHz."""
    sampling_rate = WHISPER_SAMPLE_RATE
    threshold = vad_options.threshold
    neg_threshold = vad_options.neg_threshold
    min_speech_duration_ms = vad_options.min_speech_duration_ms
    max_speech_duration_s = vad_options.max_speech_duration_s
    min_silence_duration_ms = vad_options.min_silence_duration_ms
    window_size_samples = WINDOW
    speech_pad_ms = vad_options.speech_pad_ms
    min_speech_samples = sampling_rate * min_speech_duration_ms / 1000
    speech_pad_samples = sampling_rate * speech_pad_ms / 1000
    max_speech_samples = (
        sampling_rate * max_speech_duration_s - window_size_samples - 2 * speech_pad_samples
    )
    min_silence_samples = sampling_rate * min_silence_duration_ms / 1000
    min_silence_samples_at_max_speech = sampling_rate * 98 / 1000

    triggered = False
    speeches: list[dict[str, Any]] = []
    current_speech: dict[str, Any] = {}
    if neg_threshold is None:
        neg_threshold = max(threshold - 0.15, 0.01)

    # to save potential segment end (and tolerate some silence)
    temp_end = 0
    # to save potential segment limits in case of maximum segment size reached
    prev_end = next_start = 0

    for i, speech_prob in enumerate(speech_probs):
        if (speech_prob >= threshold) and temp_end:
            temp_end = 0
            if next_start < prev_end:
                next_start = window_size_samples * i

        if (speech_prob >= threshold) and not triggered:
            triggered = True
            current_speech["start"] = window_size_samples * i
            continue

        if triggered and (window_size_samples * i) - current_speech["start"] > max_speech_samples:
            if prev_end:
                current_speech["end"] = prev_end
                speeches.append(current_speech)
                current_speech = {}
                # previously reached silence (< neg_thres) and is still not speech (< thres)
                if next_start < prev_end:
                    triggered = False
                else:
                    current_speech["start"] = next_start
                prev_end = next_start = temp_end = 0
            else:
                current_speech["end"] = window_size_samples * i
                speeches.append(current_speech)
                current_speech = {}
                prev_end = next_start = temp_end = 0
                triggered = False
                continue

        if (speech_prob < neg_threshold) and triggered:
            if not temp_end:
                temp_end = window_size_samples * i
            # condition to avoid cutting in very short silence
            if (window_size_samples * i) - temp_end > min_silence_samples_at_max_speech:
                prev_end = temp_end
            if (window_size_samples * i) - temp_end < min_silence_samples:
                continue
            else:
                current_speech["end"] = temp_end
                if (current_speech["end"] - current_speech["start"]) > min_speech_samples:
                    speeches.append(current_speech)
                current_speech = {}
                prev_end = next_start = temp_end = 0
                triggered = False
                continue

    if current_speech and (audio_length_samples - current_speech["start"]) > min_speech_samples:
        current_speech["end"] = audio_length_samples
        speeches.append(current_speech)

    for i, speech in enumerate(speeches):
        if i == 0:
            speech["start"] = int(max(0, speech["start"] - speech_pad_samples))
        if i != len(speeches) - 1:
            silence_duration = speeches[i + 1]["start"] - speech["end"]
            if silence_duration < 2 * speech_pad_samples:
                speech["end"] += int(silence_duration // 2)
                speeches[i + 1]["start"] = int(
                    max(0, speeches[i + 1]["start"] - silence_duration // 2)
                )
            else:
                speech["end"] = int(min(audio_length_samples, speech["end"] + speech_pad_samples))
                speeches[i + 1]["start"] = int(
                    max(0, speeches[i + 1]["start"] - speech_pad_samples)
                )
        else:
            speech["end"] = int(min(audio_length_samples, speech["end"] + speech_pad_samples))

    return speeches


def speech_chunks(
    audio: np.ndarray, clips: list[dict[str, int]], max_duration: float
) -> Iterator[tuple[np.ndarray, dict[str, Any]]]:
    """``faster_whisper.vad.collect_chunks(audio, clips, max_duration=...)``'s chunks and metadata,
    one pair at a time, so a caller that turns each chunk into features never holds a copy of
    all the speech. As there, a clip that starts a new chunk is not listed in that chunk's
    ``segments``, and a first clip longer than ``max_duration`` comes after an empty chunk."""
    if not clips:
        yield np.array([], dtype=np.float32), {"offset": 0, "duration": 0, "segments": []}
        return
    limit = max_duration * WHISPER_SAMPLE_RATE
    pieces: list[np.ndarray] = []
    segments: list[dict[str, int]] = []
    duration = 0
    total = 0
    for clip in clips:
        length = clip["end"] - clip["start"]
        if duration + length > limit:
            yield _joined(pieces), _metadata(total, duration, segments)
            total += duration
            segments = []
            pieces = [audio[clip["start"] : clip["end"]]]
            duration = length
        else:
            segments.append(clip)
            pieces.append(audio[clip["start"] : clip["end"]])
            duration += length
    yield _joined(pieces), _metadata(total, duration, segments)


def _metadata(offset: int, duration: int, segments: list[dict[str, int]]) -> dict[str, Any]:
    """A chunk's metadata as ``collect_chunks`` writes it (offset and duration in seconds)."""
    return {
        "offset": offset / WHISPER_SAMPLE_RATE,
        "duration": duration / WHISPER_SAMPLE_RATE,
        "segments": segments,
    }


def _joined(pieces: list[np.ndarray]) -> np.ndarray:
    """The pieces as one new float32 array (``collect_chunks`` concatenates onto a float32
    empty array, so a float64 signal comes out float64 there too)."""
    return np.concatenate([np.array([], dtype=np.float32), *pieces])
