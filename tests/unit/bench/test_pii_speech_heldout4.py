"""The spoken-names corpus's fourth split, ``heldout4``: pinned as first written, and disjoint.

heldout4 was written blind to the redaction rules by a third engineer, from another source (raw
Whisper output of calls in sectors the other splits lack, several tenants per language, one with
no declared id format). These checks read the corpus only (no recognizer runs): its rows are the
digest first written, the committed jsonl is what the yaml generates, it holds every family and
hard negatives in the numbers it was written with, and its people, streets, tenants and sentences
never occur in any other split. heldout4 is read only when named by bench/pii_accuracy.py (never
by ``all``), so that tuning runs never see its figures.
"""

import ast
import re
import sys

from transforms.core.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))
import pii_speech as speech

ROWS = speech.load()
HELD = [r for r in ROWS if r["split"] == "heldout4"]
OTHERS = [s for s in speech.SPLITS if s != "heldout4"]
#: Fillers, and the words of spelling ("t comme thomas"): no one's name, shared by design.
NOT_NAMES = {"euh", "uh", "um", "comme"}
#: Rows of each family (by the kind they were written for) and hard negatives, at least.
MINIMUM = {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70}


def _words(split: str, entity_type: str) -> set[str]:
    """Words of one split's labels of one type (fillers and single spelled letters left out)."""
    out: set[str] = set()
    for row in ROWS:
        if row["split"] != split:
            continue
        for e in row["entities"]:
            if e["type"] == entity_type:
                label = row["text"][e["start"] : e["end"]].lower()
                out |= {w for w in re.split(r"[\s,]+", label) if len(w) > 1}
    return out - NOT_NAMES


def test_the_heldout4_split_is_as_first_written() -> None:
    assert speech.heldout4_digest(ROWS) == speech.HELDOUT4_SHA256


def test_the_committed_heldout4_rows_are_what_the_yaml_generates() -> None:
    built = [r for r in speech.build() if r["split"] == "heldout4"]
    assert built == HELD


def test_heldout4_has_every_family_and_hard_negatives_in_both_languages() -> None:
    kinds = {k: sum(r["kind"] == k for r in HELD) for k in MINIMUM if k != "negatives"}
    kinds["negatives"] = sum(not r["entities"] for r in HELD)
    assert all(kinds[k] >= n for k, n in MINIMUM.items()), kinds
    types = {e["type"] for r in HELD for e in r["entities"]}
    assert {"NAME", "ADDRESS", "ID", "PHONE", "EMAIL", "CARD", "IBAN"} <= types
    per_language = {lang: sum(r["language"] == lang for r in HELD) for lang in ("fr", "en")}
    assert min(per_language.values()) >= 0.45 * len(HELD), per_language


def test_heldout4_has_several_tenants_one_with_no_declared_id_format() -> None:
    tenants = {(r["language"], r["tenant"]) for r in HELD}
    assert sum(lang == "fr" for lang, _ in tenants) >= 3
    assert sum(lang == "en" for lang, _ in tenants) >= 3
    assert any(not r["id_patterns"] and r["kind"] == "ID" for r in HELD)


def test_heldout4_people_streets_tenants_and_sentences_never_occur_in_the_other_splits() -> None:
    tenants = {r["tenant"] for r in HELD}
    texts = {r["text"] for r in HELD}
    for other in OTHERS:
        assert not _words("heldout4", "NAME") & _words(other, "NAME"), other
        assert not tenants & {r["tenant"] for r in ROWS if r["split"] == other}, other
        assert not texts & {r["text"] for r in ROWS if r["split"] == other}, other
    # Street and town words: the generic ones (rue, road, du, flat...) are shared by design.
    streets = {"charmilles", "sorbiers", "poitiers", "rochefort", "chartrons", "monbazillac"}
    streets |= {"mésanges", "limoges", "cordeliers", "acacias", "lavandières", "bayonne"}
    streets |= {"quarry", "mews", "harebell", "lyndhurst", "cobden", "mossley", "greengate"}
    streets |= {"foundry", "brindley", "chandos", "mafeking", "nightingale", "nettleworth"}
    assert streets <= _words("heldout4", "ADDRESS")
    for other in OTHERS:
        assert not streets & _words(other, "ADDRESS"), other


def test_pii_accuracy_reads_heldout4_only_when_named() -> None:
    # Parsed, not imported: importing it would load the recognizers.
    tree = ast.parse((REPO_ROOT / "bench" / "pii_accuracy.py").read_text(encoding="utf-8"))
    on_request = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "ON_REQUEST" for t in node.targets)
    )
    assert "heldout4" in ast.literal_eval(on_request)
