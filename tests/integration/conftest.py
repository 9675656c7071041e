"""Fixtures of the integration tests that run the real model."""

from __future__ import annotations

import os

import pytest

from transforms.core.settings import Settings
from transforms.transcribe.engine import Transcriber
from transforms.transcribe.model import ensure_bundled_model


@pytest.fixture(scope="module")
def model() -> Transcriber:
    """The bundled model with this run's ``CCR_WHISPER_THREADS`` and ``CCR_WHISPER_BEAM``, one
    per test module (a module's tests share its state, as a worker's calls do)."""
    settings = Settings.from_env(os.environ)
    return Transcriber(
        ensure_bundled_model(settings.model_cache),
        cpu_threads=settings.whisper_threads or 2,
        beam_size=settings.whisper_beam,
    )
