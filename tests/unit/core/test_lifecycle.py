"""The lifecycle fields of the tenant registry: what they mean, and errors that name the field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from transforms.core.contracts import Period
from transforms.core.lifecycle import LifecycleError
from transforms.core.tenants import load_tenants

BASE = {"display_name": "T", "languages": ["en"], "scorecard": "standard"}


def registry(tmp_path: Path, **fields) -> Path:
    path = tmp_path / "tenants.yaml"
    path.write_text(yaml.safe_dump({"tenants": {"acme": {**BASE, **fields}}}))
    return path


def test_defaults_keep_the_demo_registry_running():
    for tenant in load_tenants(Path("config/tenants.yaml")).values():
        assert tenant.contract_end is None and tenant.purge_due_after is None
        assert tenant.lifecycle.grace_days == 30
        assert not tenant.contract_ended(date(2099, 1, 1))


def test_a_full_lifecycle_is_read(tmp_path):
    path = registry(
        tmp_path,
        contract_end=date(2027, 1, 31),
        grace_days=10,
        retention_overrides={
            "content": {"period": "P90D"},
            "evaluation": {"period": "P730D", "justification": "labour court limitation"},
        },
        legal_holds=[
            {"scope": "calls", "calls": ["c-1"], "reason": "case 17", "until": date(2027, 6, 1)},
            {
                "scope": "dates",
                "from": date(2026, 11, 1),
                "to": date(2026, 11, 30),
                "reason": "audit",
                "until": None,
            },
        ],
        restitution_requests=[{"requested_at": date(2027, 1, 10), "status": "pending"}],
    )
    tenant = load_tenants(path)["acme"]
    life = tenant.lifecycle
    assert tenant.purge_due_after == date(2027, 2, 10)
    assert tenant.contract_ended(date(2027, 2, 1)) and not tenant.contract_ended(date(2027, 1, 31))
    assert life.retention_overrides["content"].period == Period(days=90)
    calls, dates = life.legal_holds
    assert calls.covers("c-1", date(2020, 1, 1)) and not calls.covers("c-2", date(2020, 1, 1))
    assert dates.covers("x", date(2026, 11, 30)) and not dates.covers("x", date(2026, 12, 1))
    assert calls.active(date(2027, 6, 1)) and not calls.active(date(2027, 6, 2))
    assert dates.active(date(2099, 1, 1))  # until lifted
    assert life.pending_restitution(date(2027, 1, 9)) is None
    assert life.pending_restitution(date(2027, 1, 10)) is not None


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"grace_days": 31}, "tenants.acme.grace_days"),
        ({"grace_days": "30"}, "tenants.acme.grace_days"),
        ({"contract_end": "next year"}, "tenants.acme.contract_end"),
        (
            {"retention_overrides": {"evaluation": {"period": "P2Y"}}},
            "tenants.acme.retention_overrides.evaluation.justification",
        ),
        (
            {"retention_overrides": {"content": {"period": "P6M"}}},
            "tenants.acme.retention_overrides.content.period",
        ),
        (
            {"retention_overrides": {"processing_log": {"period": "P1Y"}}},
            "tenants.acme.retention_overrides.processing_log",
        ),
        (
            {"legal_holds": [{"scope": "everything", "reason": "x", "until": None}]},
            "tenants.acme.legal_holds[0].scope",
        ),
        (
            {"legal_holds": [{"scope": "tenant", "reason": "x"}]},
            "tenants.acme.legal_holds[0].until",
        ),
        (
            {"legal_holds": [{"scope": "tenant", "reason": " ", "until": None}]},
            "tenants.acme.legal_holds[0].reason",
        ),
        (
            {"legal_holds": [{"scope": "calls", "reason": "x", "until": None}]},
            "tenants.acme.legal_holds[0].calls",
        ),
        (
            {
                "legal_holds": [
                    {
                        "scope": "dates",
                        "from": date(2026, 2, 1),
                        "to": date(2026, 1, 1),
                        "reason": "x",
                        "until": None,
                    }
                ]
            },
            "tenants.acme.legal_holds[0].to",
        ),
        (
            {"restitution_requests": [{"requested_at": date(2026, 1, 1), "status": "maybe"}]},
            "tenants.acme.restitution_requests[0].status",
        ),
        (
            {"restitution_requests": [{"status": "pending"}]},
            "tenants.acme.restitution_requests[0].requested_at",
        ),
    ],
)
def test_errors_name_the_file_and_the_field_never_the_value(tmp_path, fields, where):
    path = registry(tmp_path, **fields)
    with pytest.raises(LifecycleError) as caught:
        load_tenants(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {where}:"), message
    for value in ("next year", "everything", "maybe", "P6M", "P2Y"):
        assert f"'{value}'" not in message and f" {value} " not in message


def test_a_shorter_override_needs_no_justification_and_equal_is_not_longer(tmp_path):
    path = registry(
        tmp_path,
        retention_overrides={"evaluation": {"period": "P365D"}, "quarantine": {"period": "P7D"}},
    )
    overrides = load_tenants(path)["acme"].lifecycle.retention_overrides
    assert overrides["quarantine"].period == Period(days=7)


def test_periods_in_days_and_calendar_years():
    instant = datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert Period.parse("P3Y").before(instant) == datetime(2025, 2, 28, 12, tzinfo=UTC)
    assert Period.parse("P180D").before(instant) == datetime(2027, 9, 2, 12, tzinfo=UTC)
    assert str(Period.parse("P30D")) == "P30D" and Period.parse("P1Y").approx_days == 365
    for bad in ("P6M", "P0D", "180D", "P1.5Y", None):
        with pytest.raises(ValueError):
            Period.parse(bad)
