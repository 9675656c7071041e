"""The spoken-names corpus's third split, ``heldout3``: pinned as first written, and disjoint.

heldout3 was written by another engineer than the redaction rules', blind to them, and committed
before the rules changed. These checks read the corpus only (no recognizer runs): its rows are
the digest first written, the committed jsonl is what the yaml generates, and its people,
streets, tenants and sentences never occur in ``dev`` or ``heldout2``. heldout3 is read only when
named by bench/pii_accuracy.py (never by ``all``), so that tuning runs never see its figures.
"""

import ast
import re
import sys

from transforms.core.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))
import pii_speech as speech

ROWS = speech.load()
FILLERS = {"euh", "uh", "um"}


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
    return out - FILLERS


def test_the_heldout3_split_is_as_first_written() -> None:
    assert speech.heldout3_digest(ROWS) == speech.HELDOUT3_SHA256


def test_the_committed_heldout3_rows_are_what_the_yaml_generates() -> None:
    built = [r for r in speech.build() if r["split"] == "heldout3"]
    assert built == [r for r in ROWS if r["split"] == "heldout3"]


def test_heldout3_has_names_negatives_and_every_family() -> None:
    held = [r for r in ROWS if r["split"] == "heldout3"]
    types = {e["type"] for r in held for e in r["entities"]}
    assert {"NAME", "ADDRESS", "ID", "PHONE", "EMAIL"} <= types
    assert sum(r["kind"] == "NAME" for r in held) >= 100
    assert sum(not r["entities"] for r in held) >= 60
    assert {r["language"] for r in held} == {"fr", "en"}


def test_heldout3_people_streets_tenants_and_sentences_never_occur_in_the_other_splits() -> None:
    for other in ("dev", "heldout2"):
        assert not _words("heldout3", "NAME") & _words(other, "NAME"), other
        tenants = {r["tenant"] for r in ROWS if r["split"] == other}
        assert not tenants & {r["tenant"] for r in ROWS if r["split"] == "heldout3"}, other
        texts = {r["text"] for r in ROWS if r["split"] == other}
        assert not texts & {r["text"] for r in ROWS if r["split"] == "heldout3"}, other
    # Street and town words: the generic ones (rue, road, du, flat...) are shared by design.
    streets = {"tanneurs", "croix", "tilleuls", "jaurès", "chaux", "hawthorn", "wellington"}
    streets |= {"bramble", "approach", "stortford", "voiron"}
    assert streets <= _words("heldout3", "ADDRESS")
    for other in ("dev", "heldout2"):
        assert not streets & _words(other, "ADDRESS"), other


def test_pii_accuracy_reads_heldout3_only_when_named() -> None:
    # Parsed, not imported: importing it would load the recognizers.
    tree = ast.parse((REPO_ROOT / "bench" / "pii_accuracy.py").read_text(encoding="utf-8"))
    on_request = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "ON_REQUEST" for t in node.targets)
    )
    assert "heldout3" in ast.literal_eval(on_request)
