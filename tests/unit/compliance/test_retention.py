"""The retention plan on a synthetic lakehouse: dates, rules, holds, requests, the tenant purge."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tests.synthetic_lakehouse import build
from transforms.compliance.actions import midnight
from transforms.compliance.retention import format_plan, plan_retention
from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.lifecycle import LegalHold, Lifecycle, RestitutionRequest
from transforms.core.settings import Settings
from transforms.core.tenants import Tenant

TENANTS = ("acme", "globex")
#: The synthetic calls start on 2026-11-02 09:00 UTC, 17 minutes apart.
CALLS_ON = date(2026, 11, 2)


def tenant(tenant_id: str, **over) -> Tenant:
    return replace(Tenant(tenant_id, tenant_id, ("en",), "standard"), **over)


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Settings:
    home = tmp_path_factory.mktemp("retention")
    settings = Settings.from_env({"CCR_HOME": str(home), "CCR_KEYS": str(home / "keys")})
    build(settings, list(TENANTS), calls_per_tenant=6)
    return settings


def plan(settings: Settings, as_of: date, **tenants: Tenant):
    registry = {t: tenant(t) for t in TENANTS} | tenants
    lh = Lakehouse(settings.lakehouse)
    return plan_retention(lh, registry, as_of, settings, FileKeyStore(settings.keys))


def rules(p, tenant_id: str) -> set[tuple[str, str, str]]:
    return {(a.table, a.rule, a.action) for a in p.actions if a.tenant_id == tenant_id}


def test_nothing_goes_while_contracts_run_and_the_data_is_young(lake):
    p = plan(lake, date(2026, 11, 20))
    assert p.work() == ()
    assert rules(p, "acme") == {("*", "contract_running", "keep")}


def test_content_goes_at_180_days_evaluations_stay(lake):
    early = plan(lake, date(2027, 5, 1))  # 180 days after 2026-11-02 is 2027-05-01
    assert {a.rule for a in early.work()} == {"quarantine_expired"}  # 30 days: long gone
    p = plan(lake, date(2027, 5, 2))  # every call of 2026-11-02 started before the cutoff
    got = rules(p, "acme")
    assert ("silver.transcripts", "content_expired", "delete_rows") in got
    assert ("silver.transcript_segments", "content_expired", "delete_rows") in got
    assert ("bronze.calls", "content_expired", "null_columns") in got
    assert ("silver.human_reviews", "content_expired", "null_columns") in got
    assert ("files:audio", "content_expired", "delete_files") in got
    assert not any(rule == "evaluation_expired" for _, rule, _ in got)
    nulled = next(a for a in p.actions if a.table == "bronze.calls" and a.tenant_id == "acme")
    assert nulled.columns == ("caller_key",) and len(nulled.keys) == 6
    files = next(a for a in p.actions if a.table == "files:audio" and a.tenant_id == "acme")
    assert len(files.files) == 12  # a recording and a playback copy per call


def test_evaluations_go_at_365_days_with_every_row_of_the_call(lake):
    p = plan(lake, date(2027, 11, 3))
    got = rules(p, "globex")
    for table in ("bronze.calls", "silver.call_scores", "silver.criterion_results"):
        assert (table, "evaluation_expired", "delete_rows") in got
    assert ("bronze.quarantine", "quarantine_expired", "delete_rows") in got
    cutoff = next(a.cutoff for a in p.actions if a.rule == "evaluation_expired")
    assert cutoff == midnight(date(2026, 11, 3))


def test_planning_twice_gives_the_same_plan(lake):
    first, second = plan(lake, date(2027, 11, 3)), plan(lake, date(2027, 11, 3))
    assert first.rows(None, midnight(first.as_of)) == second.rows(None, midnight(second.as_of))
    assert first.matches(second.rows("run", midnight(second.as_of)))
    other = plan(lake, date(2027, 5, 2))
    assert not first.matches(other.rows(None, midnight(other.as_of)))


def test_plan_rows_hold_counts_and_a_digest_never_a_key(lake):
    p = plan(lake, date(2027, 11, 3))
    keys = {k for a in p.actions for k in a.keys} | {f for a in p.actions for f in a.files}
    text = str(p.rows("run", midnight(p.as_of)))
    assert keys and not any(k in text for k in keys)


def test_an_override_shortens_the_content_period(lake):
    shorter = tenant("acme", lifecycle=Lifecycle(retention_overrides={}))
    from transforms.core.contracts import Period
    from transforms.core.lifecycle import RetentionOverride

    shorter = tenant(
        "acme",
        lifecycle=Lifecycle(
            retention_overrides={"content": RetentionOverride("content", Period(days=30))}
        ),
    )
    p = plan(lake, date(2026, 12, 5), acme=shorter)
    assert ("silver.transcripts", "content_expired", "delete_rows") in rules(p, "acme")
    assert not any(a.rule == "content_expired" for a in p.actions if a.tenant_id == "globex")


def test_the_tenant_purge_waits_for_the_grace_period(lake):
    ended = tenant("globex", contract_end=date(2026, 12, 1))
    p = plan(lake, date(2026, 12, 31), globex=ended)
    assert ("*", "grace_period", "keep") in rules(p, "globex") and p.purged_tenants() == []
    assert {a.rule for a in p.work()} == {"quarantine_expired"}  # retention runs meanwhile
    p = plan(lake, date(2027, 1, 1), globex=ended)
    assert p.purged_tenants() == ["globex"]
    tables = {a.table for a in p.work() if a.tenant_id == "globex"}
    assert {
        "bronze.calls",
        "silver.transcript_segments",
        "files:audio",
        "files:quarantine_files",
    } <= tables
    assert not any(a.tenant_id == "acme" and a.rule == "tenant_purge" for a in p.work())


@pytest.mark.parametrize(
    ("lifecycle", "rule", "why"),
    [
        (
            Lifecycle(legal_holds=(LegalHold("tenant", "case 2027-04", date(2027, 6, 1)),)),
            "legal_hold",
            "legal hold on the whole tenant (case 2027-04) until 2027-06-01",
        ),
        (
            Lifecycle(restitution_requests=(RestitutionRequest(date(2026, 12, 15), "pending"),)),
            "restitution_pending",
            "restitution requested on 2026-12-15 is pending",
        ),
    ],
)
def test_a_hold_or_a_pending_restitution_stops_the_purge_and_the_plan_says_why(
    lake, lifecycle, rule, why
):
    ended = tenant("globex", contract_end=date(2026, 12, 1), lifecycle=lifecycle)
    p = plan(lake, date(2027, 1, 10), globex=ended)
    assert p.purged_tenants() == []
    keep = next(a for a in p.actions if a.tenant_id == "globex" and a.rule == rule)
    assert keep.action == "keep" and why in keep.reason
    assert why in format_plan(p)


def test_a_delivered_request_or_an_expired_hold_no_longer_stops_it(lake):
    lifecycle = Lifecycle(
        legal_holds=(LegalHold("tenant", "old case", date(2027, 1, 5)),),
        restitution_requests=(RestitutionRequest(date(2026, 12, 15), "delivered"),),
    )
    ended = tenant("globex", contract_end=date(2026, 12, 1), lifecycle=lifecycle)
    assert plan(lake, date(2027, 1, 10), globex=ended).purged_tenants() == ["globex"]


def test_a_hold_on_calls_keeps_them_through_retention_and_a_partial_purge(lake):
    held = Lifecycle(legal_holds=(LegalHold("calls", "case 9", None, call_ids=("acm-000001",)),))
    p = plan(lake, date(2027, 5, 2), acme=tenant("acme", lifecycle=held))
    transcripts = next(
        a for a in p.actions if a.table == "silver.transcripts" and a.tenant_id == "acme"
    )
    assert len(transcripts.keys) == 5
    keep = next(a for a in p.actions if a.tenant_id == "acme" and a.rule == "legal_hold")
    assert len(keep.calls) == 1 and "case 9" in keep.reason
    ended = tenant("acme", contract_end=date(2026, 12, 1), lifecycle=held)
    p = plan(lake, date(2027, 1, 10), acme=ended)
    assert p.purged_tenants() == []  # the key and the partitions stay while the hold lasts
    calls = next(a for a in p.work() if a.table == "bronze.calls" and a.tenant_id == "acme")
    assert len(calls.keys) == 5 and calls.rule == "tenant_purge"


def test_a_hold_on_dates_covers_the_calls_started_in_the_range(lake):
    held = Lifecycle(
        legal_holds=(LegalHold("dates", "audit", None, date_from=CALLS_ON, date_to=CALLS_ON),)
    )
    p = plan(lake, date(2027, 5, 2), acme=tenant("acme", lifecycle=held))
    assert not any(a.tenant_id == "acme" and a.rule == "content_expired" for a in p.actions)


def test_the_processing_log_goes_after_three_years(lake):
    from datetime import UTC, datetime

    from transforms.core.lakehouse import conform
    from transforms.core.tables import PROCESSING_LOG

    lh = Lakehouse(lake.lakehouse)
    row = {
        "entry_id": "e" * 32, "run_id": "r", "job_name": "j", "asset_key": "a",
        "tenant_id": None, "partition_key": None, "status": "success", "rows_in": None,
        "rows_out": None, "rows_rejected": None, "logged_at": datetime(2026, 11, 2, tzinfo=UTC),
    }  # fmt: skip
    lh.merge(PROCESSING_LOG, conform(PROCESSING_LOG, [row]))
    assert not any(
        a.table == "compliance.processing_log" for a in plan(lake, date(2029, 11, 2)).actions
    )
    expired = next(
        a for a in plan(lake, date(2029, 11, 3)).actions if a.table == "compliance.processing_log"
    )
    assert expired.tenant_id == "*" and expired.keys == {"e" * 32}


def test_the_selection_digest_is_keyed_so_a_guessed_call_cannot_be_confirmed(lake):
    import hashlib

    p = plan(lake, date(2027, 11, 3))
    action = next(a for a in p.work() if a.table == "bronze.calls" and a.tenant_id == "acme")
    row = next(
        r
        for r in p.rows(None, midnight(p.as_of))
        if (r["table_name"], r["tenant_id"], r["rule"]) == ("bronze.calls", "acme", action.rule)
    )
    plain = hashlib.sha256("".join(f"{k}\n" for k in sorted(action.keys)).encode()).hexdigest()
    secret = FileKeyStore(lake.keys).secret("acme")
    assert row["selection_digest"] == action.selection_digest(secret) != plain
