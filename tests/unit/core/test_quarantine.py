"""Quarantine reason codes: the code, the registry and docs/reason-codes.md name the same set."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime

import pytest

from transforms.core.quarantine import REASON_CODES, quarantine_row
from transforms.core.settings import REPO_ROOT

#: Where a reason code is written as a literal: callee name -> (index of the code argument, the
#: folder of transforms/ it is looked for in). ``None`` as index: the ``reason_code=`` keyword.
#: Any string literal inside that argument counts, so ``result.error_code or
#: "transcription_failed"`` is found too. Short names are looked for in their domain only.
EMITTERS: dict[str, tuple[int | None, str]] = {
    "AudioRejected": (0, "core"),  # audio checks (core/audio.py)
    "RowError": (0, "ingest"),  # manifest and manifest rows
    "keep": (1, "ingest"),  # an entry set aside with its bytes, keep(entry, code, …)
    "record": (1, "ingest"),  # a row without bytes, record(name, code, …)
    "Reason": (0, "ingest"),  # what is wrong with an entry before it is read
    "_batch": (3, "ingest"),  # a batch folder set aside whole, _batch(tenant, batch, entry, code)
    "_set_aside_whole_batch": (1, "ingest"),  # the whole batch under one code
    "reject": (0, "review"),  # human-review rows
    "Rejected": (1, "review"),  # a whole review file
    "JobResult": (2, "transcribe"),  # transcription workers
    "quarantine_row": (None, ""),  # the row builder itself, anywhere
}


def _callee(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def emitted_codes() -> dict[str, list[str]]:
    """Every code literal passed to an emitter in transforms/, with where it is."""
    found: dict[str, list[str]] = {}
    for path in sorted((REPO_ROOT / "transforms").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or _callee(node) not in EMITTERS:
                continue
            index, domain = EMITTERS[_callee(node)]
            if domain and path.parent.relative_to(REPO_ROOT / "transforms").parts[:1] != (domain,):
                continue
            if index is None:
                args = [k.value for k in node.keywords if k.arg == "reason_code"]
            else:
                args = node.args[index : index + 1]
            for arg in args:
                for leaf in ast.walk(arg):
                    if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                        where = f"{path.relative_to(REPO_ROOT)}:{leaf.lineno}"
                        found.setdefault(leaf.value, []).append(where)
    return found


def documented_codes() -> list[str]:
    text = (REPO_ROOT / "docs" / "reason-codes.md").read_text()
    return re.findall(r"^\| `([a-z0-9_]+)` \|", text, flags=re.M)


def test_every_code_the_code_emits_is_registered_and_every_registered_code_is_emitted():
    emitted = emitted_codes()
    assert len(emitted) > 20  # the scan sees the emitters (a renamed one would empty it)
    assert sorted(set(emitted) - set(REASON_CODES)) == [], "unregistered codes: see emitted"
    assert sorted(set(REASON_CODES) - set(emitted)) == [], "registered but never emitted"


def test_the_docs_list_exactly_the_registered_codes_once_each():
    documented = documented_codes()
    assert len(documented) == len(set(documented))
    assert sorted(documented) == sorted(REASON_CODES)


def test_an_unregistered_code_is_refused():
    with pytest.raises(ValueError, match=r"not in transforms\.core\.quarantine\.REASON_CODES"):
        quarantine_row(
            key="k",
            tenant_id="t",
            batch_id="b",
            file_name="f",
            reason_code="made_up",
            reason="r",
            quarantined_at=datetime.now(UTC),
        )


def test_the_quarantine_contract_accepts_exactly_the_registered_codes():
    """A code missing from the contract's reason_code_known rule would send its rows to
    bronze.rejected_rows instead of bronze.quarantine."""
    from transforms.core.contracts import load_contracts

    contract = load_contracts()["bronze.quarantine"]
    (rule,) = [r for r in contract.rules if r.name == "reason_code_known"]
    assert sorted(rule.args["validValues"]) == sorted(REASON_CODES)
