"""The documents the controller gets tell what the configuration does: the record names the
processor and its sub-processors from the deployment file, lists a transfer outside the EEA only
with its safeguard (and cannot be made without one), and the record and ``ccr retention plan``
state each category's period, its legal basis and where it is stricter than the contract."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from orchestration import cli
from tests.deployment_files import AWS_US, SCCS, write_deployment
from transforms.compliance.record import build_record, render_html
from transforms.compliance.retention_basis import BASES, format_retention_basis, retention_basis
from transforms.core.contracts import Period, load_contracts
from transforms.core.deployment import DeploymentError, require_lawful_locations
from transforms.core.lifecycle import Lifecycle, RetentionOverride
from transforms.core.settings import Settings
from transforms.core.tenants import Tenant

US_BUCKET = {"CCR_LAKEHOUSE": "s3://ccr-lake/prod", "CCR_S3_REGION": "us-east-1"}
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def record_for(tmp_path, sub_processors, **env):
    deployment = write_deployment(tmp_path / "deployment.yaml", sub_processors=sub_processors)
    settings = Settings.from_env(
        {"CCR_HOME": str(tmp_path / "home"), "CCR_DEPLOYMENT_FILE": str(deployment), **env}
    )
    facts = require_lawful_locations(settings)
    return build_record(load_contracts(), {}, {}, [], NOW, facts)


def test_a_record_with_a_bucket_outside_the_eea_cannot_be_made_without_a_safeguard(tmp_path):
    with pytest.raises(DeploymentError, match=r"sub_processors\[0\]\.safeguard: required"):
        record_for(tmp_path, [AWS_US], **US_BUCKET)


def test_with_a_safeguard_the_record_lists_the_transfer_and_the_sub_processor(tmp_path):
    record = record_for(tmp_path, [AWS_US | {"safeguard": SCCS}], **US_BUCKET)
    (transfer,) = record["transfers_outside_eea"]
    assert transfer["to"] == AWS_US["name"] and transfer["country"] == "US"
    assert "standard contractual clauses" in transfer["safeguard"]
    assert SCCS["reference"] in transfer["safeguard"]
    assert [s["name"] for s in record["sub_processors"]] == [AWS_US["name"]]
    lake = next(loc for loc in record["data_locations"] if "CCR_LAKEHOUSE" in loc["settings"])
    assert lake["country"] == "US" and not lake["in_eea"]
    assert "s3.us-east-1.amazonaws.com" in lake["where"]
    page = render_html(record)
    assert page.count("<tr class='transfer'>") == 1 and "no-transfer" not in page
    assert "US (outside the EEA)" in page


def test_the_demo_record_names_the_example_processor_and_no_transfer(tmp_path):
    record = record_for(tmp_path, [])
    assert record["example"] and record["processor"]["name"] == "Example Processing SAS"
    assert record["processor"]["data_protection_contact"]["email"] == "dpo@example.com"
    assert "CallCenterRate" not in json.dumps(record["processor"])  # the product is no company
    assert record["transfers_outside_eea"] == [] and record["sub_processors"] == []
    assert {loc["country"] for loc in record["data_locations"]} == {"FR"}
    page = render_html(record)
    assert "<p id='example'" in page and "id='no-transfer'" in page


def test_a_real_processor_gets_no_example_banner(tmp_path):
    changes = {
        "processor.example": False,
        "processor.name": "Qualiphone SAS",
        "processor.data_protection_contact.email": "dpo@qualiphone.fr",
    }
    deployment = write_deployment(tmp_path / "d.yaml", changes)
    settings = Settings.from_env(
        {"CCR_HOME": str(tmp_path), "CCR_DEPLOYMENT_FILE": str(deployment)}
    )
    record = build_record(load_contracts(), {}, {}, [], NOW, require_lawful_locations(settings))
    assert not record["example"] and "<p id='example'" not in render_html(record)
    assert record["processor"]["name"] == "Qualiphone SAS"


def test_ccr_compliance_record_refuses_then_writes_with_a_safeguard(
    ccr_home, tmp_path, monkeypatch, capsys
):
    for name, value in US_BUCKET.items():
        monkeypatch.setenv(name, value)
    without = write_deployment(tmp_path / "without.yaml", sub_processors=[AWS_US])
    monkeypatch.setenv("CCR_DEPLOYMENT_FILE", str(without))
    out = tmp_path / "rec"
    assert cli.main(["compliance", "record", "--out", str(out)]) == 2
    assert "safeguard: required" in capsys.readouterr().err and not out.exists()

    with_sccs = write_deployment(
        tmp_path / "with.yaml", sub_processors=[AWS_US | {"safeguard": SCCS}]
    )
    monkeypatch.setenv("CCR_DEPLOYMENT_FILE", str(with_sccs))
    assert cli.main(["compliance", "record", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "transfers outside the EEA: 1" in printed and "standard contractual clauses" in printed
    record = json.loads((out / "record_of_processing.json").read_text())
    assert [t["country"] for t in record["transfers_outside_eea"]] == ["US"]


# ------------------------------------------------------------------------------ retention


def test_every_category_has_its_period_from_the_contracts_and_a_legal_basis():
    rows = {r.category: r for r in retention_basis()}
    contracts = load_contracts()
    assert set(rows) == {c.retention_category for c in contracts.values()}
    assert str(rows["content"].period) == "P180D" and "6 months" in rows["content"].legal_basis
    assert str(rows["evaluation"].period) == "P365D" and "1 year" in rows["evaluation"].legal_basis
    assert all(r.within_limit for r in rows.values())
    for category in ("content", "evaluation", "quarantine", "marts"):
        assert rows[category].versus_contract.startswith("stricter than the contract")
    assert "no personal data" in rows["processing_log"].versus_contract
    assert "CNIL" in rows["content"].legal_basis and "2014-474" in rows["content"].legal_basis


def test_a_period_longer_than_the_legal_limit_is_said_so():
    """A tenant's justified override may exceed CNIL's six months: the documents say it does."""
    override = RetentionOverride("content", Period(days=365), "labour court case 2026-17")
    t = replace(
        Tenant("acme", "ACME", ("en",), "standard"),
        lifecycle=Lifecycle(retention_overrides={"content": override}),
    )
    content = next(r for r in retention_basis(tenant=t) if r.category == "content")
    assert not content.within_limit and "LONGER than the legal limit (6 months)" in (
        content.versus_contract
    )
    assert "labour court case 2026-17" in content.override


def test_a_category_without_a_legal_basis_is_refused(monkeypatch):
    monkeypatch.delitem(BASES, "quarantine")
    with pytest.raises(ValueError, match=r"quarantine.*no legal basis"):
        retention_basis()


def test_the_record_states_period_basis_and_contract_per_category(tmp_path):
    record = record_for(tmp_path, [])
    categories = {r["category"]: r for r in record["retention"]["categories"]}
    assert categories["content"]["period_in_words"] == "180 days"
    assert categories["content"]["runs_from"] == "the call's start"
    assert "30 days after it ends" in record["retention"]["contract"]
    page = render_html(record)
    assert "<tr id='retention-content'>" in page and "stricter than the contract" in page


def test_ccr_retention_plan_prints_the_legal_basis(ccr_home, capsys):
    assert cli.main(["retention", "plan", "--as-of", "2026-12-01"]) == 0
    printed = capsys.readouterr().out
    assert "Retention plan for 2026-12-01" in printed
    assert printed.strip().endswith(format_retention_basis())
    assert "- content: 180 days from the call's start" in printed
    assert "legal basis: CNIL délibération n° 2014-474" in printed
    assert "contract: stricter than the contract" in printed
