"""The model id carries the compute type; a process keeps one loaded model per setting."""

import os

from transforms.core.settings import Settings
from transforms.transcribe.model import model_id, resolve_model_dir
from transforms.transcribe.pool import cached_transcriber


def test_the_compute_type_is_part_of_the_model_id(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.bin").write_bytes(b"0" * 10)
    assert model_id(tmp_path).endswith("/int8")
    assert model_id(tmp_path, "float16").endswith("/float16")
    assert model_id(tmp_path).rsplit("/", 1)[0] == model_id(tmp_path, "float16").rsplit("/", 1)[0]


def test_a_process_loads_the_model_once_per_setting():
    folder = resolve_model_dir(Settings.from_env(os.environ))
    first, _ = cached_transcriber(folder, threads=1, beam_size=5)
    again, loaded_again = cached_transcriber(folder, threads=1, beam_size=5)
    assert again is first and not loaded_again
    assert first.model_id == model_id(folder, "int8")
    other, loaded_other = cached_transcriber(folder, threads=1, beam_size=1)
    assert other is not first and loaded_other
