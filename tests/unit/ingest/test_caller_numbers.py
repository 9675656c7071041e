"""One person, one identity: a caller's number is E.164 in the tenant's region at ingest and at
request time, and rows keyed under the rule before E.164 are still found and re-keyed.

The audit's finding 4: "07700 900123" and "+44 7700 900123" got two pseudonyms, so an erasure
requested in national form erased nothing and still certified success. Real ingest (the step),
real Delta, the real erasure; the tenants are the registry's (globex-energy: ``phone_region``
GB).
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from tests.audio_fixtures import tone
from tests.row_fixtures import manifest_row
from transforms.compliance import subjects
from transforms.compliance.erasure import Hooks, carry_out
from transforms.compliance.scan import scan
from transforms.core.context import StepContext
from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse, conform
from transforms.core.settings import Settings
from transforms.core.tables import CALLS, QUARANTINE
from transforms.core.tenants import load_tenants
from transforms.ingest import step as ingest_step
from transforms.ingest.manifest import MANIFEST_COLUMNS
from transforms.ingest.rekey import numbers_waiting, rekey_callers
from transforms.privacy.pseudonymise import caller_key, legacy_form, pseudonym

TENANT = "globex-energy"
#: One person (a number in the range Ofcom reserves for drama), written three ways.
NATIONAL, INTERNATIONAL, WITH_00 = "07700 900123", "+44 7700 900123", "0044 7700 900123"
OTHER = "+44 7700 900456"
_FREQ = iter(range(300, 9000, 37))


def row(call_id: str, phone: str) -> dict[str, str]:
    return manifest_row(
        call_id, f"{call_id}.mp3", tenant_id=TENANT, caller_phone=phone, language="en"
    )


def land(settings: Settings, batch: str, rows: list[dict[str, str]]) -> str:
    folder = Path(settings.landing) / TENANT / batch
    folder.mkdir(parents=True)
    for r in rows:
        (folder / r["file_name"]).write_bytes(tone(0.5, fmt="mp3", freq=next(_FREQ)))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (folder / "manifest.csv").write_text(buffer.getvalue())
    return f"{TENANT}__{batch}"


def ingest(settings: Settings, key: str, **ctx_args):
    return ingest_step.run(StepContext.of(settings, **ctx_args), key)


def keys_by_call(settings: Settings) -> dict[str, str]:
    calls = Lakehouse(settings.lakehouse).read(CALLS, TENANT)
    return dict(calls.select("call_id", "caller_key").iter_rows())


def erase(settings: Settings, subject: subjects.Subject) -> dict:
    lh, keys = Lakehouse(settings.lakehouse), FileKeyStore(settings.keys)
    hooks = Hooks(
        rebuild_warehouse=lambda tenants: None,
        forget_partitions=lambda tenant: 0,
        remaining=lambda: 0 if subjects.find(lh, settings, keys, subject).empty else 1,
    )
    return carry_out(subjects.erasure(lh, settings, keys, subject), lh, settings, keys, hooks)


def test_one_number_written_three_ways_is_one_caller(ccr_home: Settings):
    rows = [row("n-1", NATIONAL), row("n-2", INTERNATIONAL), row("n-3", WITH_00), row("o", OTHER)]
    ingest(ccr_home, land(ccr_home, "b1", rows))
    got = keys_by_call(ccr_home)
    assert got["n-1"] == got["n-2"] == got["n-3"] != got["o"]
    # the key is the keyed hash of E.164, whichever way the manifest wrote it
    keys = FileKeyStore(ccr_home.keys)
    assert got["n-1"] == pseudonym(keys, TENANT, "+447700900123")
    assert got["n-1"] == caller_key(keys, TENANT, NATIONAL, "GB")


def test_a_national_number_without_a_phone_region_is_quarantined_not_keyed_as_written(
    ccr_home: Settings,
):
    registry = load_tenants(ccr_home.tenants_file)
    registry[TENANT] = replace(registry[TENANT], phone_region=None)
    key = land(ccr_home, "b1", [row("n-1", NATIONAL), row("n-2", INTERNATIONAL)])
    ingest(ccr_home, key, tenants=registry)
    assert list(keys_by_call(ccr_home)) == ["n-2"]  # an international number needs no region
    (q,) = Lakehouse(ccr_home.lakehouse).read(QUARANTINE).iter_rows(named=True)
    assert (q["call_id"], q["reason_code"]) == ("n-1", "invalid_caller_phone")
    assert "phone_region" in q["reason"] and "900123" not in q["reason"]
    assert "900123" not in q["manifest_row"] and "caller_key" not in q["manifest_row"]


@pytest.mark.parametrize(
    ("ingested", "requested"), [(INTERNATIONAL, NATIONAL), (NATIONAL, INTERNATIONAL)]
)
def test_an_erasure_in_one_form_erases_the_rows_ingested_in_the_other(
    ccr_home: Settings, ingested: str, requested: str
):
    ingest(ccr_home, land(ccr_home, "b1", [row("mine", ingested), row("theirs", OTHER)]))
    mine = keys_by_call(ccr_home)["mine"]
    found = subjects.find(
        Lakehouse(ccr_home.lakehouse),
        ccr_home,
        FileKeyStore(ccr_home.keys),
        subjects.Subject(TENANT, "caller", requested),
    )
    assert found.calls["call_id"].to_list() == ["mine"]
    certificate = erase(ccr_home, subjects.Subject(TENANT, "caller", requested))
    assert certificate["verification"]["passed"], certificate["verification"]
    assert list(keys_by_call(ccr_home)) == ["theirs"]
    # independent of the product's needles: the number in every form, and the key, nowhere
    needles = {f: "phone" for f in ("+447700900123", "07700900123", "07700 900123")}
    assert scan([Path(ccr_home.home)], needles | {mine: "caller_key"}).passed


def test_a_number_that_never_called_is_not_found(ccr_home: Settings):
    ingest(ccr_home, land(ccr_home, "b1", [row("mine", INTERNATIONAL)]))
    lh, keys = Lakehouse(ccr_home.lakehouse), FileKeyStore(ccr_home.keys)
    for never in ("07700 900999", "+44 7700 900999", "+33 6 39 98 01 23"):
        assert subjects.find(lh, ccr_home, keys, subjects.Subject(TENANT, "caller", never)).empty


def legacy_keyed(settings: Settings, call_id: str, written: str) -> str:
    """Make a stored row look as the rule before E.164 keyed it: the number as written."""
    lh = Lakehouse(settings.lakehouse)
    old = pseudonym(FileKeyStore(settings.keys), TENANT, legacy_form(written))
    calls = lh.read(CALLS, TENANT).filter(pl.col("call_id") == call_id)
    lh.merge(CALLS, conform(CALLS, calls.with_columns(caller_key=pl.lit(old))), update=True)
    return old


def test_rows_keyed_under_the_old_rule_are_found_then_rekeyed_when_the_caller_calls_again(
    ccr_home: Settings,
):
    ingest(ccr_home, land(ccr_home, "b1", [row("old-1", NATIONAL), row("o", OTHER)]))
    old = legacy_keyed(ccr_home, "old-1", NATIONAL)
    lh, keys = Lakehouse(ccr_home.lakehouse), FileKeyStore(ccr_home.keys)
    # found by a request in any form, before any migration
    for form in (INTERNATIONAL, NATIONAL, WITH_00):
        found = subjects.find(lh, ccr_home, keys, subjects.Subject(TENANT, "caller", form))
        assert found.calls["call_id"].to_list() == ["old-1"]
        assert old in found.caller_keys
    # the caller calls again, written internationally: the manifest re-links the old row
    ingest(ccr_home, land(ccr_home, "b2", [row("new-1", INTERNATIONAL)]))
    got = keys_by_call(ccr_home)
    assert got["old-1"] == got["new-1"] == caller_key(keys, TENANT, INTERNATIONAL, "GB")
    assert old not in got.values() and got["o"] != got["new-1"]


def test_the_rekey_command_uses_numbers_still_in_landing_and_is_idempotent(ccr_home: Settings):
    ingest(ccr_home, land(ccr_home, "b1", [row("old-1", NATIONAL), row("old-2", OTHER)]))
    legacy_keyed(ccr_home, "old-1", NATIONAL)
    legacy_keyed(ccr_home, "old-2", "447700900456")  # written without + under the old rule
    land(ccr_home, "waiting", [row("w-1", "0044 (0)7700 900456")])  # not ingested yet
    lh, keys = Lakehouse(ccr_home.lakehouse), FileKeyStore(ccr_home.keys)
    numbers = numbers_waiting(ccr_home.landing, ccr_home.quarantine_store, TENANT)
    done = rekey_callers(lh, keys, TENANT, numbers, "GB")
    assert (done.numbers, done.calls) == (1, 1)
    got = keys_by_call(ccr_home)
    assert got["old-2"] == caller_key(keys, TENANT, OTHER, "GB")
    assert got["old-1"] != caller_key(keys, TENANT, NATIONAL, "GB")  # never seen: kept, found
    # a client's list of numbers re-keys the rest; running again moves nothing
    assert rekey_callers(lh, keys, TENANT, [NATIONAL], "GB").calls == 1
    assert rekey_callers(lh, keys, TENANT, [NATIONAL, OTHER], "GB").calls == 0
    assert keys_by_call(ccr_home)["old-1"] == caller_key(keys, TENANT, NATIONAL, "GB")
