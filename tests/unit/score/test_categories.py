from pathlib import Path

import pytest

from transforms.core.settings import REPO_ROOT
from transforms.core.transcript import Segment
from transforms.score.categories import TaxonomyError, categorise, load_taxonomy

TAXONOMIES = REPO_ROOT / "config" / "taxonomies"


def seg(speaker, start, text):
    return Segment(speaker, 0, start, start + 2, text, -0.2, 0.01)


def test_topics_from_the_default_taxonomy_with_their_evidence():
    taxonomy = load_taxonomy(TAXONOMIES, "any-tenant")  # no own file: default.yaml
    segs = [
        seg("customer", 1, "J'ai été prélevée deux fois pour ma facture."),
        seg("agent", 5, "Le remboursement arrivera sous cinq jours."),
        seg("customer", 9, "Et je veux résilier mon abonnement."),
    ]
    found = {c.id: (hits, s.start_s) for c, hits, s, _ in categorise(taxonomy, segs, "fr")}
    assert found == {"billing": (2, 1), "cancellation": (1, 9)}


def test_a_tenant_file_replaces_the_default_and_bad_files_name_the_field(tmp_path: Path):
    (tmp_path / "default.yaml").write_text(
        "id: d\nversion: '1'\ncategories: [{id: x, name: X, phrases: {en: [zzz]}}]\n"
    )
    (tmp_path / "acme.yaml").write_text(
        "id: acme\nversion: '2'\ncategories: [{id: churn, name: C, phrases: {en: [leave you]}}]\n"
    )
    acme = load_taxonomy(tmp_path, "acme")
    assert acme.id == "acme" and acme.version == "2"
    assert [
        c.id for c, *_ in categorise(acme, [seg("customer", 0, "I want to leave you")], "en")
    ] == ["churn"]
    (tmp_path / "bad.yaml").write_text(
        "id: b\nversion: '1'\ncategories: [{id: x, name: X, phrases: {en: []}}]\n"
    )
    with pytest.raises(TaxonomyError, match=r"categories\[0\].phrases"):
        load_taxonomy(tmp_path, "bad")
