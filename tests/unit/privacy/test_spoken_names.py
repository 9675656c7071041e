"""Names said with no cue word in lower-case ASR text, and the corpus that measures them
(``bench/pii_speech.py``: a second held-out split, written before the rules it measures)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _bench(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------- corpus


def test_the_heldout2_split_is_as_first_written() -> None:
    speech = _bench("pii_speech")
    assert speech.heldout2_digest(speech.load()) == speech.HELDOUT2_SHA256


def test_the_corpus_file_is_what_its_source_says() -> None:
    speech = _bench("pii_speech")
    assert speech.build() == speech.load()


def _name_words(rows: list[dict], split: str) -> set[str]:
    words: set[str] = set()
    for row in rows:
        if row["split"] != split:
            continue
        for e in row["entities"]:
            if e["type"] != "NAME":
                continue
            said = row["text"][e["start"] : e["end"]].lower()
            words |= {
                w
                for w in re.findall(r"[^\W\d_]{2,}(?:['-][^\W\d_]+)*", said)
                if w not in ("euh", "uh", "le")
            }
    return words


def test_heldout2_people_and_tenants_never_occur_in_dev() -> None:
    speech = _bench("pii_speech")
    rows = speech.load()
    assert not _name_words(rows, "dev") & _name_words(rows, "heldout2")
    tenants = {s: {r["tenant"] for r in rows if r["split"] == s} for s in speech.SPLITS}
    assert not tenants["dev"] & tenants["heldout2"]
    texts = {s: {r["text"] for r in rows if r["split"] == s} for s in speech.SPLITS}
    assert not texts["dev"] & texts["heldout2"]


def test_markup_is_parsed_into_offsets_and_refused_when_broken() -> None:
    speech = _bench("pii_speech")
    text, entities = speech.parse("donc [NAME chloé euh vasseur] | oui")
    assert text == "donc chloé euh vasseur oui"
    assert [text[e["start"] : e["end"]] for e in entities] == ["chloé euh vasseur"]
    for bad in ("[NOM chloé]", "donc [NAME chloé"):
        try:
            speech.parse(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
