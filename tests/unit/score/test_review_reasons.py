"""Review reasons: the scorer's registry, the criterion_results contract and docs/scorecards.md
name the same set (as quarantine reason codes do: tests/unit/core/test_quarantine.py)."""

from __future__ import annotations

import re

import pytest

from transforms.core.contracts import load_contracts
from transforms.core.settings import REPO_ROOT
from transforms.score import scoring
from transforms.score.scoring import REVIEW_REASONS

SOURCE = (REPO_ROOT / "transforms" / "score" / "scoring.py").read_text()


def documented_reasons() -> list[str]:
    """The rows of the table under docs/scorecards.md's ``| `review_reason` | when |`` header."""
    text = (REPO_ROOT / "docs" / "scorecards.md").read_text()
    table = text.split("| `review_reason` | when |", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.M)


def test_the_contract_accepts_exactly_the_registered_reasons():
    """A reason missing from the rule would send its verdict rows to bronze.rejected_rows."""
    contract = load_contracts()["silver.criterion_results"]
    (rule,) = [r for r in contract.rules if r.name == "review_reason_known"]
    assert sorted(rule.args["validValues"]) == sorted(REVIEW_REASONS)


def test_the_docs_list_exactly_the_registered_reasons_once_each():
    documented = documented_reasons()
    assert len(documented) == len(set(documented))
    assert sorted(documented) == sorted(REVIEW_REASONS)


def test_every_registered_reason_is_emitted_somewhere():
    registry = SOURCE.split("REVIEW_REASONS: dict[str, str] = {", 1)[1].split("\n}\n", 1)[0]
    rest = SOURCE.replace(registry, "")
    for reason in REVIEW_REASONS:
        assert f'"{reason}"' in rest, f"{reason} is registered but never emitted"


def test_an_unregistered_reason_is_refused():
    card = scoring.load_scorecard(REPO_ROOT / "config" / "scorecards" / "standard-v1.yaml")
    with pytest.raises(ValueError, match="REVIEW_REASONS"):
        scoring._result(
            card.criteria[0], status="met", evidence=None, evidence_kind="none",
            review_reason="made_up",
        )  # fmt: skip
