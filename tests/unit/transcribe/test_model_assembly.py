"""The bundled model is assembled once even when several processes ask for it at once (the Celery
workers' pool processes on a fresh machine did race: one removed the folder the other wrote)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from transforms.transcribe.model import BUNDLED_MODEL_NAME, ensure_bundled_model


def _assemble(cache: str) -> str:
    return str(ensure_bundled_model(cache))


def test_concurrent_first_uses_all_get_the_verified_model(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        folders = pool.map(_assemble, [str(tmp_path)] * 3)
    target = tmp_path / BUNDLED_MODEL_NAME
    assert folders == [str(target)] * 3
    assert (target / ".verified").exists()
    assert {p.name for p in target.iterdir()} >= {"model.bin", "config.json", "tokenizer.json"}
    assert not (tmp_path / f"{BUNDLED_MODEL_NAME}.assembling").exists()
