"""The rules on the product's real input: faster-whisper's default output (capitalised,
punctuated turns). Every positive row of pii_speech's tuning splits, turned into that form by
``bench/pii_accuracy.py``'s ``whisper_form``, keeps each family's recall within 2 points of the
lower-case rows'. Only figures are asserted: a failure shows no row."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))
import pii_speech  # noqa: E402

#: The tuning splits: every split but the blind ones not read yet.
TUNING = tuple(s for s in pii_speech.SPLITS if s not in pii_speech.NOT_READ)
FAMILIES = ("names", "addresses", "identifiers", "phones", "e-mails")


def _bench():
    spec = importlib.util.spec_from_file_location(
        "pii_accuracy", ROOT / "bench" / "pii_accuracy.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["pii_accuracy"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    path = ROOT / "bench" / "data" / "pii_speech.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r["split"] in TUNING and r["entities"]]


def test_the_transform_carries_every_label(rows: list[dict]) -> None:
    bench = _bench()
    for row in rows:
        new = bench.whisper_form(row)
        assert new["text"][0].isupper() or not new["text"][0].isalpha()
        assert new["text"][-1] in ".?!"
        for old, moved in zip(row["entities"], new["entities"], strict=True):
            said = row["text"][old["start"] : old["end"]]
            written = new["text"][moved["start"] : moved["end"]]
            assert written.replace(",", "").lower() == said.replace(",", "").lower()


def test_whisper_form_recall_is_within_two_points_of_lower_case(rows: list[dict]) -> None:
    bench = _bench()
    gaps = {}
    for split in TUNING:
        part = [r for r in rows if r["split"] == split]
        lower = bench.evaluate(part)
        cased = bench.evaluate([bench.whisper_form(r) for r in part])
        for family in FAMILIES:
            if not lower[family]["gold"]:
                continue
            before = lower[family]["found"] / lower[family]["gold"]
            after = cased[family]["found"] / cased[family]["gold"]
            gaps[(split, family)] = round(before - after, 4)
    assert all(gap <= 0.02 for gap in gaps.values()), {k: v for k, v in gaps.items() if v > 0.02}
