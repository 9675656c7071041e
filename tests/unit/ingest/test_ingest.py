"""Ingest on real Delta tables: every file ends in bronze.calls or bronze.quarantine, never lost."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.audio_fixtures import tone
from tests.row_fixtures import manifest_row as row
from transforms.core.keys import FileKeyStore
from transforms.core.lakehouse import Lakehouse
from transforms.core.settings import Settings
from transforms.core.tables import CALLS, QUARANTINE
from transforms.core.tenants import Tenant
from transforms.ingest import batch as ingest
from transforms.ingest import landing, manifest
from transforms.privacy.pseudonymise import caller_key

TENANTS = {
    "acme-telecom": Tenant("acme-telecom", "ACME", ("fr", "en"), "standard"),
}
#: The date the ingests decide for (a contract that has ended), never the machine's.
TODAY = date(2026, 12, 1)


def drop_batch(
    landing: Path, tenant: str, batch: str, files: dict[str, bytes], rows: list[dict]
) -> None:
    folder = landing / tenant / batch
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with (folder / "manifest.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, manifest.MANIFEST_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def run_ingest(settings: Settings, tenant: str = "acme-telecom", today: date = TODAY):
    """What the Dagster asset does, minus Dagster: ingest each batch, commit, clear landing."""
    lh = Lakehouse(settings.lakehouse)
    keys = FileKeyStore(settings.keys)
    outcomes = []
    for batch in landing.discover_batches(settings.landing):
        outcome = ingest.ingest_batch(
            batch,
            tenants=TENANTS,
            existing_calls=lh.read(CALLS, batch.tenant_id, columns=["call_id", "audio_sha256"]),
            audio_store=settings.audio_store,
            quarantine_store=settings.quarantine_store,
            pseudonymise_phone=lambda t, p: caller_key(keys, t, p),
            today=today,
        )
        lh.merge(CALLS, outcome.calls)
        lh.merge(QUARANTINE, outcome.quarantine)
        landing.clear_landing(batch, outcome.consumed)
        outcomes.append(outcome)
    return lh, outcomes


@pytest.fixture
def settings(tmp_path) -> Settings:
    s = Settings.from_env({"CCR_HOME": str(tmp_path), "CCR_KEYS": str(tmp_path / "keys")})
    for tenant in ("acme-telecom", "globex-energy"):
        FileKeyStore(s.keys).create(tenant)
    return s


def reasons(lh: Lakehouse) -> dict[str, str]:
    q = lh.read(QUARANTINE)
    return dict(zip(q["file_name"].to_list(), q["reason_code"].to_list(), strict=True))


def test_bad_files_are_quarantined_with_reasons_and_good_ones_stored(settings):
    good = tone(3.0, fmt="mp3")
    files = {
        "good.mp3": good,
        "empty.wav": b"",
        "text.wav": b"definitely not audio\n" * 40,
        "truncated.mp3": tone(3.0, fmt="mp3", freq=300)[:200],
        "orphan.wav": tone(1.0, freq=500),
        "clash.wav": tone(2.0, freq=600),
    }
    rows = [
        row("c-good", "good.mp3"),
        row("c-empty", "empty.wav"),
        row("c-text", "text.wav"),
        row("c-trunc", "truncated.mp3"),
        row("c-good", "clash.wav"),  # duplicate call id inside the batch
        row("c-ghost", "ghost.wav"),  # manifest row without a file
    ]
    drop_batch(Path(settings.landing), "acme-telecom", "b1", files, rows)
    lh, _ = run_ingest(settings)

    calls = lh.read(CALLS)
    assert calls["call_id"].to_list() == ["c-good"]
    call = calls.row(0, named=True)
    assert call["channels"] == 2 and call["duration_s"] == pytest.approx(3.0, abs=0.1)
    assert call["audio_uri"].startswith(f"{settings.audio_store}/acme-telecom/")
    assert Path(call["audio_uri"]).read_bytes() == good
    assert call["caller_key"] and "+33" not in call["caller_key"]

    got = reasons(lh)
    assert got["empty.wav"] == "empty_file"
    assert got["text.wav"] == "unsupported_format"  # not a container we accept
    assert got["truncated.mp3"] in {"undecodable", "no_audio"}
    assert got["orphan.wav"] == "no_manifest_row"
    assert got["clash.wav"] == "duplicate_call_id"
    assert got["ghost.wav"] == "audio_missing"
    # the bytes of every quarantined file are kept, and landing is empty
    q = lh.read(QUARANTINE).filter(pl.col("file_name") == "text.wav").row(0, named=True)
    assert Path(q["quarantine_uri"]).read_bytes() == files["text.wav"]
    assert "+3363998" not in (q["manifest_row"] or "")
    assert not [p for p in Path(settings.landing).rglob("*") if p.is_file()]
    assert not (Path(settings.landing) / "acme-telecom" / "b1").exists()


def test_unknown_tenant_is_quarantined_whole(settings):
    drop_batch(
        Path(settings.landing),
        "initech",
        "b1",
        {"a.wav": tone(1.0)},
        [row("x", "a.wav", tenant_id="initech")],
    )
    lh, _ = run_ingest(settings)
    assert lh.read(CALLS).is_empty()
    assert set(reasons(lh).values()) == {"unknown_tenant"}
    assert set(reasons(lh)) == {"a.wav", "manifest.csv"}


def test_a_batch_after_the_contract_ended_is_quarantined_whole_and_never_processed(
    settings, monkeypatch
):
    ended = replace(TENANTS["acme-telecom"], contract_end=date(2026, 1, 31))
    monkeypatch.setitem(TENANTS, "acme-telecom", ended)
    drop_batch(
        Path(settings.landing), "acme-telecom", "b1", {"a.wav": tone(1.0)}, [row("x", "a.wav")]
    )
    lh, _ = run_ingest(settings)
    assert lh.read(CALLS).is_empty()
    assert set(reasons(lh).values()) == {"contract_ended"}
    assert set(reasons(lh)) == {"a.wav", "manifest.csv"}
    assert not list(Path(settings.audio_store).rglob("*.wav"))  # nothing stored as a call


@pytest.mark.parametrize(("today", "accepted"), [(date(2026, 11, 30), True), (TODAY, False)])
def test_the_contract_is_judged_on_the_runs_date_never_the_instant_the_rows_are_stamped(
    settings, monkeypatch, today, accepted
):
    """The last day of the contract still ingests, the next does not, whatever the clock: the
    rows' stamp (``now``, here a year after the contract) decides nothing."""
    from datetime import UTC, datetime

    ended = replace(TENANTS["acme-telecom"], contract_end=date(2026, 11, 30))
    monkeypatch.setitem(TENANTS, "acme-telecom", ended)
    drop_batch(
        Path(settings.landing), "acme-telecom", "b1", {"a.wav": tone(1.0)}, [row("x", "a.wav")]
    )
    (batch,) = landing.discover_batches(settings.landing)
    keys = FileKeyStore(settings.keys)
    stamp = datetime(2027, 12, 1, 10, tzinfo=UTC)
    outcome = ingest.ingest_batch(
        batch,
        tenants=TENANTS,
        existing_calls=Lakehouse(settings.lakehouse).read(
            CALLS, "acme-telecom", columns=["call_id", "audio_sha256"]
        ),
        audio_store=settings.audio_store,
        quarantine_store=settings.quarantine_store,
        pseudonymise_phone=lambda t, p: caller_key(keys, t, p),
        today=today,
        now=stamp,
    )
    assert outcome.calls.num_rows == (1 if accepted else 0)
    assert set(outcome.reasons()) == (set() if accepted else {"contract_ended"})
    if accepted:
        assert outcome.calls.column("ingested_at").to_pylist() == [stamp]


def test_relanding_is_idempotent_and_a_new_file_reusing_an_id_is_a_duplicate(settings):
    audio = tone(2.0, fmt="flac")
    drop_batch(
        Path(settings.landing),
        "acme-telecom",
        "b1",
        {"a.flac": audio, "bad.wav": b""},
        [row("c1", "a.flac"), row("c2", "bad.wav")],
    )
    lh, _ = run_ingest(settings)
    before = (lh.read(CALLS).height, lh.read(QUARANTINE).height)
    # the same batch landed again: nothing new anywhere
    drop_batch(
        Path(settings.landing),
        "acme-telecom",
        "b1",
        {"a.flac": audio, "bad.wav": b""},
        [row("c1", "a.flac"), row("c2", "bad.wav")],
    )
    lh, (outcome,) = run_ingest(settings)
    assert (lh.read(CALLS).height, lh.read(QUARANTINE).height) == before == (1, 1)
    assert outcome.already_ingested == 1
    # other audio under an existing call id: quarantined, the stored call untouched
    drop_batch(
        Path(settings.landing),
        "acme-telecom",
        "b2",
        {"other.wav": tone(2.0, freq=700)},
        [row("c1", "other.wav")],
    )
    lh, _ = run_ingest(settings)
    assert reasons(lh)["other.wav"] == "duplicate_call_id"
    assert lh.read(CALLS).height == 1


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"started_at": "yesterday"}, "invalid_manifest_row"),
        ({"started_at": "2026-11-02T09:15:00"}, "invalid_manifest_row"),
        ({"language": "de"}, "invalid_manifest_row"),
        ({"tenant_id": "globex-energy"}, "tenant_mismatch"),
        ({"caller_phone": "call me maybe"}, "invalid_manifest_row"),
        ({"channel_layout": "sideways"}, "invalid_manifest_row"),
    ],
)
def test_bad_manifest_rows_are_quarantined_without_echoing_values(settings, over, code):
    drop_batch(
        Path(settings.landing),
        "acme-telecom",
        "b1",
        {"a.wav": tone(1.0)},
        [row("c1", "a.wav", **over)],
    )
    lh, _ = run_ingest(settings)
    q = lh.read(QUARANTINE).row(0, named=True)
    assert q["reason_code"] == code
    assert "call me maybe" not in q["reason"] and "yesterday" not in q["reason"]


def test_batch_without_manifest_is_not_ready(settings):
    folder = Path(settings.landing) / "acme-telecom" / "b1"
    folder.mkdir(parents=True)
    (folder / "a.wav").write_bytes(tone(1.0))
    assert landing.discover_batches(settings.landing) == []


def test_channel_layouts_declared_undeclared_and_mismatched(settings):
    files = {
        "stereo-undeclared.wav": tone(1.0, freq=300),
        "stereo-as-mono.wav": tone(1.0, freq=350),
        "mono-as-stereo.wav": tone(1.0, channels=1, freq=400),
    }
    rows = [
        row("c1", "stereo-undeclared.wav", channel_layout=""),
        row("c2", "stereo-as-mono.wav", channel_layout="mono"),  # a downmix: accepted
        row("c3", "mono-as-stereo.wav", channel_layout="agent-left"),
    ]
    drop_batch(Path(settings.landing), "acme-telecom", "b1", files, rows)
    lh, _ = run_ingest(settings)
    layouts = dict(lh.read(CALLS).select("call_id", "channel_layout").iter_rows())
    assert layouts == {"c1": "auto", "c2": "mono"}
    assert reasons(lh) == {"mono-as-stereo.wav": "layout_mismatch"}


def test_absurd_duration_is_quarantined(settings, monkeypatch):
    # the real limit is 4 h; lowering it keeps the fixture small and exercises the same check
    monkeypatch.setattr("transforms.core.audio.MAX_DURATION_S", 1.5)
    drop_batch(
        Path(settings.landing),
        "acme-telecom",
        "b1",
        {"long.wav": tone(2.0)},
        [row("c1", "long.wav")],
    )
    lh, _ = run_ingest(settings)
    assert reasons(lh) == {"long.wav": "duration_out_of_range"}
    assert lh.read(CALLS).height == 0
